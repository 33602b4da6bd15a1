// The special-tokens config: the kit's shared blocks plus tokens, data, teacher and eval blocks;
// configs/special-tokens/*.yaml are presets over it, smoke.yaml the --smoke overlay.
import { z } from 'zod';
import { evalBlock, limit, LoraBlock, maxRecordBytes, QuantizationBlock, runFields, TrainBlock } from '../kit/blocks.js';

const tokenText = z.string().regex(/^\S+$/, 'a token is one piece of text without spaces');

export const SpecialTokensConfigSchema = z.strictObject({
  ...runFields('special-tokens', 'default'),
  model: z.string().default('models/qwen3-tiny'),
  tokens: z.strictObject({
    /** First: explore (no error given); second: edit (an error given). */
    add: z.tuple([tokenText, tokenText]).default(['<|AGENT|>', '<|EDIT|>']),
  }).prefault({}),
  system_prompt: z.string().default('configs/special-tokens/system_prompt.md'),
  /**
   * Train and evaluate with the teacher's thinking (true) or in Qwen3's non-thinking mode (false:
   * the empty think block enable_thinking=False renders, so the first generated token is the
   * choice). The validator checks the teacher's full format either way.
   */
  thinking: z.boolean().default(false),
  data: z.strictObject({
    /** JSONL or Parquet: planted-bug rows (name, buggy, test, error) or LiveCodeBench-style (question_content, starter_code). */
    problems: z.string().default('data/special-tokens/bugs.jsonl'),
    /** Problems used (each gives an AGENT and an EDIT instruction); null: all. */
    samples: limit.default(null),
    /** Share of problems held out for evaluation (split by problem, so no code is in both). */
    eval_fraction: z.number().gt(0).lt(1).default(0.2),
    seed: z.number().int().min(0).default(7),
    max_record_bytes: maxRecordBytes,
    /** Examples longer than this (prompt + answer tokens) are dropped from training. */
    max_seq_len: z.number().int().positive().default(512),
  }).prefault({}),
  teacher: z.strictObject({
    /** local: `wgml serve` on teacher.model_dir; scripted: a deterministic local endpoint; remote: base_url. */
    mode: z.enum(['scripted', 'local', 'remote']).default('local'),
    base_url: z.string().nullable().default(null),
    /** The model name sent to the endpoint. */
    model: z.string().default('teacher'),
    /**
     * local mode: the model directory `wgml serve` loads. The default is the shipped teacher, the
     * shipped tiny model taught the system prompt's format (models/qwen3-tiny-teacher/README.md).
     */
    model_dir: z.string().default('models/qwen3-tiny-teacher'),
    /** remote mode: the environment variable holding the API key. */
    api_key_env: z.string().default('OPENAI_API_KEY'),
    threads: z.number().int().positive().default(32),
    timeout_s: z.number().positive().default(60),
    max_retries: z.number().int().min(0).default(6),
    base_delay_ms: z.number().positive().default(500),
    max_delay_ms: z.number().positive().default(30_000),
    /** 0: greedy, at which the shipped teacher's replies pass the validator most often. */
    temperature: z.number().min(0).default(0),
    /** Room for the shipped teacher (512 positions, a prompt of about 270); a real teacher wants more (openai.yaml). */
    max_tokens: z.number().int().positive().default(160),
  }).prefault({}),
  quantization: QuantizationBlock,
  lora: LoraBlock,
  train: TrainBlock,
  eval: evalBlock(40),
});
export type SpecialTokensConfig = z.output<typeof SpecialTokensConfigSchema>;
