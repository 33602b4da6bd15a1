// The json-format config: the kit's shared blocks plus the data knobs of the course project this
// recipe follows; configs/json-format/*.yaml are presets over it, smoke.yaml the --smoke overlay.
import { z } from 'zod';
import { evalBlock, LoraBlock, maxRecordBytes, QuantizationBlock, runFields, TrainBlock } from '../kit/blocks.js';

const prob = z.number().min(0).max(1);

export const JsonFormatConfigSchema = z.strictObject({
  ...runFields('json-format', 'default'),
  /** The base: the shipped one answers extraction prompts the chatty way (models/qwen3-tiny-json/README.md). */
  model: z.string().default('models/qwen3-tiny-json'),
  data: z.strictObject({
    seed: z.number().int().min(0).default(7),
    n_train: z.number().int().positive().default(400),
    n_eval: z.number().int().positive().default(100),
    /** Share of prompts that invite prose, fences, "Sure! here is", commentary, or hold an outdated JSON draft. */
    hard_negative_prob_train: prob.default(0.4),
    hard_negative_prob_eval: prob.default(0.5),
    /** Share of training prompts that show a bad earlier reply to repair. */
    fix_bad_output_prob_train: prob.default(0),
    /** How `accuracy` grades values: easy takes the first object found; hard needs the whole reply to be it. */
    eval_strictness: z.enum(['easy', 'hard']).default('hard'),
    /**
     * Which fields a generated schema asks for: all of the entity's (entity) or a random 2 to 4 of them
     * (subset: the reply must copy its keys from the prompt, beyond the shipped 1M-parameter base).
     */
    schema_fields: z.enum(['entity', 'subset']).default('entity'),
    /** Where generated prompts put the schema: before the text (the generator's form) or after it, last, on its own line. */
    schema_position: z.enum(['before_text', 'after_text']).default('before_text'),
    /** Your own tasks instead of generated ones: JSONL rows with `prompt` and `output` (an object), optional `schema`. */
    train_file: z.string().nullable().default(null),
    eval_file: z.string().nullable().default(null),
    max_record_bytes: maxRecordBytes,
    /** Examples longer than this (prompt + completion tokens) are dropped from training. */
    max_seq_len: z.number().int().positive().default(384),
  }).prefault({}),
  quantization: QuantizationBlock,
  lora: LoraBlock,
  train: TrainBlock,
  eval: z.strictObject({
    ...evalBlock(64).unwrap().shape,
    /** Eval items generated at step 0 and every train.eval_steps (the curve); the eval step uses all. */
    during_training: z.number().int().positive().default(32),
  }).prefault({}),
  thresholds: z.strictObject({
    /** Tuned minus base format_success_rate needed for PASS. */
    format_success_gain: prob.default(0.3),
  }).prefault({}),
});
export type JsonFormatConfig = z.output<typeof JsonFormatConfigSchema>;
