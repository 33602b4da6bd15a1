// Shared command-line option schemas: every flag is parsed by zod, so a bad value names its flag.
import { z } from 'zod';
import { ConfigError } from '../errors.js';

export const DeviceFlags = z.object({ backend: z.enum(['auto', 'vulkan', 'metal', 'd3d12', 'opengles']).default('auto') });

/** Flags of `generate` and `chat`, as parseArgs yields them (strings), coerced and checked. */
export const SamplingFlags = z.object({
  'max-tokens': z.coerce.number().int().positive().default(128),
  temperature: z.coerce.number().min(0).default(0),
  'top-k': z.coerce.number().int().min(0).default(0),
  'top-p': z.coerce.number().gt(0).max(1).default(1),
  'repetition-penalty': z.coerce.number().positive().default(1),
  seed: z.coerce.number().int().min(0).default(0),
  stop: z.array(z.string()).default([]),
});

export const SAMPLING_OPTIONS = {
  'max-tokens': { type: 'string' },
  temperature: { type: 'string' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  'repetition-penalty': { type: 'string' },
  seed: { type: 'string' },
  stop: { type: 'string', multiple: true },
} as const;

export function parseFlags<S extends z.ZodType>(schema: S, values: unknown): z.output<S> {
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`--${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

export function generateOptionsFrom(flags: z.output<typeof SamplingFlags>) {
  return {
    maxNewTokens: flags['max-tokens'],
    temperature: flags.temperature,
    topK: flags['top-k'],
    topP: flags['top-p'],
    repetitionPenalty: flags['repetition-penalty'],
    seed: flags.seed,
    stop: flags.stop,
  };
}

/** `wgml quantize` flags. */
export const QuantizeFlags = z.object({
  model: z.string({ message: 'is required' }),
  out: z.string({ message: 'is required' }),
  format: z.enum(['nf4', 'q4']).default('nf4'),
  'block-size': z.coerce.number().int().positive().optional(),
  'double-quant': z.boolean().default(false),
});

/** `--quantize` of the model-loading commands. */
export const LoadFlags = z.object({ quantize: z.enum(['nf4', 'q4']).optional() });
