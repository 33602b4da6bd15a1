// The gsm8k-qlora config: one zod schema holding every default (the kit's shared blocks plus the
// recipe's own); configs/gsm8k-qlora/*.yaml are presets over it, configs/gsm8k-qlora/smoke.yaml the
// --smoke overlay. Unknown keys are errors, so a typo cannot silently fall back to a default.
import { z } from 'zod';
import { evalBlock, limit, LoraBlock, maxRecordBytes, QuantizationBlock, runFields, TrainBlock } from '../kit/blocks.js';

const JudgeSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('classifier'),
    /** A Qwen-family safeguard directory (HuggingFace layout), run on wgml. */
    model: z.string().default('models/safeguard-tiny'),
    batch_size: z.number().int().positive().default(8),
  }),
  z.strictObject({
    type: z.literal('openai'),
    base_url: z.string().url(),
    model: z.string(),
    /** Environment variable holding the API key. */
    api_key_env: z.string().default('OPENAI_API_KEY'),
    concurrency: z.number().int().positive().default(8),
  }),
]);

export const Gsm8kQloraConfigSchema = z.strictObject({
  ...runFields('gsm8k-qlora', 'simple'),
  model: z.string().default('models/qwen3-tiny'),
  data: z.strictObject({
    /** GSM8K records (question, answer) as .jsonl, .json, .parquet or .arrow. */
    train_file: z.string().default('data/gsm8k/train.jsonl'),
    test_file: z.string().default('data/gsm8k/test.jsonl'),
    /** Training examples drawn (seeded) from the file after the few-shot pool is removed; null = all. */
    train_limit: limit.default(null),
    /** First N test records; null = all. */
    test_limit: limit.default(null),
    /** Train on a refined file: questions deduplicated, solutions whose <<a op b=c>> steps or #### answer do not check out dropped. */
    refine: z.boolean().default(false),
    /** Examples longer than this (prompt + answer tokens) are dropped from training. */
    max_seq_len: z.number().int().positive().default(512),
    max_record_bytes: maxRecordBytes,
  }).prefault({}),
  few_shot: z.strictObject({
    k: z.number().int().min(0).default(3),
    pool_size: z.number().int().positive().default(8),
    seed: z.number().int().min(0).default(42),
  }).prefault({}),
  quantization: QuantizationBlock,
  lora: LoraBlock,
  train: TrainBlock,
  eval: evalBlock(160),
  /** Score every checkpoint on a dev split carved from the training file and keep the best. */
  sweep: z.strictObject({
    enabled: z.boolean().default(false),
    dev_size: z.number().int().positive().default(40),
  }).prefault({}),
  safety: z.strictObject({
    enabled: z.boolean().default(true),
    /** AILuminate-style JSONL: a `prompt` (or `input`) field per record. */
    prompts_file: z.string().default('data/safety/prompts.jsonl'),
    limit: limit.default(40),
    max_new_tokens: z.number().int().positive().default(64),
    /** Read verbatim and put before every prompt/response pair the judge sees. */
    guidelines_file: z.string().default('data/safety/guidelines.md'),
    judge: JudgeSchema.default({ type: 'classifier', model: 'models/safeguard-tiny', batch_size: 8 }),
  }).prefault({}),
  thresholds: z.strictObject({
    accuracy: z.number().min(0).max(1).default(0.26),
    safety: z.number().min(0).max(1).default(0.26),
  }).prefault({}),
});
export type Gsm8kQloraConfig = z.output<typeof Gsm8kQloraConfigSchema>;
