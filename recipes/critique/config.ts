// The critique config: one zod schema holding every default; configs/critique/*.yaml are presets over
// it, configs/critique/smoke.yaml the --smoke overlay. Unknown keys are errors, so a typo cannot
// silently fall back to a default. The recipe's own flags (recipe.ts: --chunk-size, --chunk-id,
// --workers, --analyze) set generate.chunk_size, generate.chunk_id, commands.workers and
// critique.analyze or format.analyze; --set reaches every field.
import { z } from 'zod';
import { limit, runFields } from '../kit/blocks.js';

/** A chunk id (`3`) or an inclusive range of them (`2-5`), as `commands` hands them to workers. */
export const ChunkSelection = z.union([z.number().int().min(0), z.string().regex(/^\d+-\d+$/, 'a chunk id or a range like 2-5')]).nullable();

export const CritiqueConfigSchema = z.strictObject({
  ...runFields('critique', 'default'),
  /** The first model sampled (`--model DIR` replaces it). */
  model: z.string().default('models/qwen3-tiny'),
  /** Models sampled besides `model`; each chunk file is named after its model directory's basename. */
  other_models: z.array(z.string()).default(['models/qwen3-tiny-b']),
  data: z.strictObject({
    /** DeepScaleR-style questions: a JSON array or JSONL of {problem (or question), answer, solution?}. */
    questions_file: z.string().default('data/critique/questions.json'),
    /** First N questions; null = all. */
    limit: limit.default(null),
    /** `{problem}` is replaced by the question. */
    prompt_template: z.string().default("{problem} Let's think step by step and output the final answer within \\boxed{}."),
  }).prefault({}),
  generate: z.strictObject({
    /** Samples per question per model. */
    n: z.number().int().positive().default(8),
    temperature: z.number().min(0).default(0.7),
    top_p: z.number().gt(0).max(1).default(1),
    /** 0 = off. */
    top_k: z.number().int().min(0).default(0),
    max_tokens: z.number().int().positive().default(2048),
    stop: z.array(z.string().min(1)).default([]),
    /** Run seed; sample s of question q samples with a seed derived from (seed, q, s). */
    seed: z.number().int().min(0).max(0xffffffff).default(42),
    /** Questions per chunk file. */
    chunk_size: z.number().int().positive().default(64),
    /** Only these chunks (a worker's share); null = every chunk. */
    chunk_id: ChunkSelection.default(null),
    /** Sequences the engine decodes together (its KV-cache slots); not part of the output. */
    max_batch: z.number().int().positive().default(32),
    /** --backend cuda: GPUs per vLLM engine (tensor parallel); --gpus / this many engines split the chunks. */
    tensor_parallel: z.number().int().positive().default(1),
  }).prefault({}),
  commands: z.strictObject({
    /** Processes or machines the chunks are split over. */
    workers: z.number().int().positive().default(8),
  }).prefault({}),
  critique: z.strictObject({
    /** Solutions per kept question, across models, balanced between right and wrong. */
    max_per_question: z.number().int().positive().default(4),
    /** Seeds which solutions are picked when there are more than max_per_question. */
    seed: z.number().int().min(0).default(0),
    /** Print the right/wrong distribution of an existing critique.jsonl instead of writing it. */
    analyze: z.boolean().default(false),
  }).prefault({}),
  format: z.strictObject({
    data_source: z.string().default('deepscaler_critique'),
    /** Print a summary of an existing train.jsonl instead of writing it. */
    analyze: z.boolean().default(false),
  }).prefault({}),
});
export type CritiqueConfig = z.output<typeof CritiqueConfigSchema>;

/** Sampling parameters recorded in every chunk file: chunks merge only when these agree. */
export function samplingOf(c: CritiqueConfig) {
  const g = c.generate;
  return { n: g.n, temperature: g.temperature, top_p: g.top_p, top_k: g.top_k, max_tokens: g.max_tokens, stop: g.stop, seed: g.seed, prompt_template: c.data.prompt_template };
}
export type SamplingParams = ReturnType<typeof samplingOf>;
