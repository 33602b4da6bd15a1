// Generation options: one zod schema, defaults in one place (greedy unless a temperature is given).
import { z } from 'zod';
import { ConfigError } from '../errors.js';

export const GenerateOptionsSchema = z.object({
  maxNewTokens: z.number().int().positive().default(128),
  /** 0 = greedy. */
  temperature: z.number().min(0).default(0),
  /** 0 = off. */
  topK: z.number().int().min(0).default(0),
  /** 1 = off. */
  topP: z.number().gt(0).max(1).default(1),
  /** 1 = off; HF's repetition_penalty over prompt and generated tokens. */
  repetitionPenalty: z.number().positive().default(1),
  seed: z.number().int().min(0).max(0xffffffff).default(0),
  /** Generation ends before the first occurrence of any of these strings. */
  stop: z.array(z.string().min(1)).default([]),
  /** Token ids that end a sequence; default: the model's EOS ids. */
  stopTokenIds: z.array(z.number().int().min(0)).optional(),
});

export type GenerateOptions = z.input<typeof GenerateOptionsSchema>;
export type ResolvedGenerateOptions = z.output<typeof GenerateOptionsSchema>;

export function resolveGenerateOptions(options: GenerateOptions = {}): ResolvedGenerateOptions {
  const parsed = GenerateOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`generate options: field "${issue.path.join('.')}": ${issue.message}`);
  }
  return parsed.data;
}
