// What a generation request may set: one zod schema each for sampling, an engine request and the
// flat options of Model.generate; defaults live here and nowhere else (greedy unless a temperature is given).
import { z } from 'zod';
import { ConfigError } from '../errors.js';

export const SamplingSchema = z.object({
  /** 0 = greedy. */
  temperature: z.number().min(0).default(0),
  /** 0 = off. */
  topK: z.number().int().min(0).default(0),
  /** 1 = off. */
  topP: z.number().gt(0).max(1).default(1),
  /** 0 = off; keeps tokens with p ≥ minP·p_max. */
  minP: z.number().min(0).lt(1).default(0),
  /** 1 = off; HF's repetition_penalty over prompt and generated tokens. */
  repetitionPenalty: z.number().positive().default(1),
  /** OpenAI's presence_penalty over generated tokens. */
  presencePenalty: z.number().min(-2).max(2).default(0),
  /** OpenAI's frequency_penalty over generated tokens. */
  frequencyPenalty: z.number().min(-2).max(2).default(0),
  /** u32; the same seed gives the same tokens alone or in any batch. Default: a fresh random seed. */
  seed: z.number().int().min(0).max(0xffffffff).optional(),
});
export type Sampling = z.input<typeof SamplingSchema>;
export type ResolvedSampling = z.output<typeof SamplingSchema>;

/** { type: 'json_object' } or { type: 'json_schema', json_schema: { schema } }: sampling is constrained to it (compiled in the engine). */
const ResponseFormatField = z.record(z.string(), z.unknown());
export type ResponseFormatOption = z.input<typeof ResponseFormatField>;

export const EngineRequestSchema = z.object({
  /** The prompt's token ids. */
  ids: z.array(z.number().int().min(0)).min(1, 'the prompt is empty'),
  /** A loaded adapter's name; none: the base (with any adapter the model itself carries). */
  adapter: z.string().min(1).optional(),
  sampling: SamplingSchema.default(SamplingSchema.parse({})),
  maxNewTokens: z.number().int().positive().default(128),
  /** Generation ends before the first occurrence of any of these strings. */
  stop: z.array(z.string().min(1)).default([]),
  /** Token ids that end a sequence; default: the model's EOS ids. */
  stopTokenIds: z.array(z.number().int().min(0)).optional(),
  /** Keep going past EOS (benchmarks). */
  ignoreEos: z.boolean().default(false),
  /** Logprob of each sampled token and this many most likely alternatives (0..20), from the raw distribution. */
  logprobs: z.number().int().min(0).max(20).optional(),
  responseFormat: ResponseFormatField.optional(),
  signal: z.custom<AbortSignal>((s) => s instanceof AbortSignal, 'must be an AbortSignal').optional(),
});
export type EngineRequest = z.input<typeof EngineRequestSchema>;
export type ResolvedRequest = z.output<typeof EngineRequestSchema>;

/** Model.generate's options: the request's fields, flat. */
export const GenerateOptionsSchema = SamplingSchema.extend({
  maxNewTokens: z.number().int().positive().default(128),
  /** Default 0: generate() is reproducible unless asked otherwise. */
  seed: z.number().int().min(0).max(0xffffffff).default(0),
  stop: z.array(z.string().min(1)).default([]),
  stopTokenIds: z.array(z.number().int().min(0)).optional(),
  /** Every prompt's response format (a prompt given with its own overrides it). */
  responseFormat: ResponseFormatField.optional(),
});

export type GenerateOptions = z.input<typeof GenerateOptionsSchema>;
export type ResolvedGenerateOptions = z.output<typeof GenerateOptionsSchema>;

function parsed<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(`${what}: field "${issue.path.join('.')}": ${issue.message}`);
  }
  return result.data;
}

export function resolveGenerateOptions(options: GenerateOptions = {}): ResolvedGenerateOptions {
  return parsed(GenerateOptionsSchema, options, 'generate options');
}

export function resolveRequest(request: EngineRequest): ResolvedRequest {
  return parsed(EngineRequestSchema, request, 'engine request');
}

/** The engine request of prompt `index` of a Model.generate call: prompt b samples with seed + b; `format` is the prompt's own response format. */
export function generateRequest(ids: readonly number[], o: ResolvedGenerateOptions, index: number, format?: ResponseFormatOption): EngineRequest {
  const { maxNewTokens, stop, stopTokenIds, seed, responseFormat, ...sampling } = o;
  const chosen = format ?? responseFormat;
  return { ids: [...ids], maxNewTokens, stop, stopTokenIds, sampling: { ...sampling, seed: (seed + index) >>> 0 }, ...(chosen ? { responseFormat: chosen } : {}) };
}
