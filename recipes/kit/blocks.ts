// Config blocks every recipe shares (snake_case, as TRL's and PEFT's configs are): where the run goes,
// the 4-bit base, the LoRA adapter, the SFT schedule and the generation settings of an evaluation.
// A recipe's schema is a strictObject of these plus its own blocks; unknown keys are errors.
import { z } from 'zod';
import { MAX_RECORD_BYTES } from '../../src/io/dataset.js';
import { LORA_TARGETS } from '../../src/io/peft.js';

export const limit = z.number().int().positive().nullable();

/** data.max_record_bytes: the bound on one record (a JSONL line, or a row's JSON text), checked as the file is read, before any tokenizing. */
export const maxRecordBytes = z.number().int().positive().default(MAX_RECORD_BYTES);

/** preset, run_name and output_dir: the fields the run directory is made from. */
export function runFields(recipe: string, preset: string) {
  return {
    preset: z.string().default(preset),
    /** Directory name under output_dir; null: <preset>-<timestamp>. */
    run_name: z.string().regex(/^[\w.-]+$/).nullable().default(null),
    output_dir: z.string().default(`runs/${recipe}`),
  };
}

export const QuantizationBlock = z.strictObject({
  /** The base's 4-bit format (QLoRA); none: plain LoRA on the bf16 base, as PEFT without bitsandbytes. */
  format: z.enum(['nf4', 'q4', 'none']).default('nf4'),
  double_quant: z.boolean().default(true),
  block_size: z.number().int().positive().default(64),
}).prefault({});
export type QuantizationConfig = z.output<typeof QuantizationBlock>;

/** The fine-tuning method a summary row names: qlora-nf4-dq, qlora-q4, lora-bf16. */
export function fineTuneMethod(q: QuantizationConfig): string {
  return q.format === 'none' ? 'lora-bf16' : `qlora-${q.format}${q.double_quant ? '-dq' : ''}`;
}

export const LoraBlock = z.strictObject({
  r: z.number().int().positive().default(16),
  alpha: z.number().positive().default(32),
  dropout: z.number().min(0).lt(1).default(0.05),
  target_modules: z.array(z.enum(LORA_TARGETS)).nonempty().default([...LORA_TARGETS]),
}).prefault({});
export type LoraConfig = z.output<typeof LoraBlock>;

export const TrainBlock = z.strictObject({
  epochs: z.number().positive().default(1),
  /** Caps the optimizer steps; null = as many as the epochs take. */
  max_steps: limit.default(null),
  learning_rate: z.number().positive().default(2e-4),
  batch_size: z.number().int().positive().default(8),
  grad_accum: z.number().int().positive().default(1),
  scheduler: z.enum(['constant', 'linear', 'cosine']).default('cosine'),
  warmup_ratio: z.number().min(0).max(1).default(0.03),
  weight_decay: z.number().min(0).default(0),
  max_grad_norm: z.number().min(0).default(1),
  /** Checkpoint every N steps (0 = only at the end). */
  save_every: z.number().int().min(0).default(0),
  /** Run the recipe's evaluation hook at step 0 and every N steps (0 = never during training). */
  eval_steps: z.number().int().min(0).default(0),
  seed: z.number().int().min(0).default(42),
}).prefault({});
export type TrainBlockConfig = z.output<typeof TrainBlock>;

/** Greedy generation settings of an evaluation; `maxNewTokens` is the recipe's default. */
export function evalBlock(maxNewTokens: number) {
  return z.strictObject({
    batch_size: z.number().int().positive().default(16),
    max_new_tokens: z.number().int().positive().default(maxNewTokens),
  }).prefault({});
}
export type EvalConfig = z.output<ReturnType<typeof evalBlock>>;
