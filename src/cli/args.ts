// Shared command-line option schemas: every flag is parsed by zod, so a bad value names its flag.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * A number flag: an empty value (`--temperature=`) is an error, not 0 as z.coerce.number would
 * make it, and so is anything Number() cannot read.
 */
const numberFlag = () => z.string().trim().min(1, { message: 'needs a number, got an empty value' }).pipe(z.coerce.number({ message: 'is not a number' }));

export const DeviceFlags = z.object({ backend: z.enum(['auto', 'vulkan', 'metal', 'd3d12', 'opengles']).default('auto') });

/** Flags of `generate` and `chat`, as parseArgs yields them (strings), coerced and checked. */
export const SamplingFlags = z.object({
  'max-tokens': numberFlag().pipe(z.number().int().positive()).default(128),
  temperature: numberFlag().pipe(z.number().min(0)).default(0),
  'top-k': numberFlag().pipe(z.number().int().min(0)).default(0),
  'top-p': numberFlag().pipe(z.number().gt(0).max(1)).default(1),
  'repetition-penalty': numberFlag().pipe(z.number().positive()).default(1),
  seed: numberFlag().pipe(z.number().int().min(0)).default(0),
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

/** `recipe --backend/--gpus/--dry-run`. */
export const BackendFlags = z.object({
  backend: z.enum(['webgpu', 'cuda'], { message: 'is webgpu or cuda' }).default('webgpu'),
  gpus: numberFlag().pipe(z.number().int().positive()).optional(),
  'dry-run': z.boolean().default(false),
});

/** `wgml quantize` flags. */
export const QuantizeFlags = z.object({
  model: z.string({ message: 'is required' }),
  out: z.string({ message: 'is required' }),
  format: z.enum(['nf4', 'q4']).default('nf4'),
  'block-size': z.coerce.number().int().positive().optional(),
  'double-quant': z.boolean().default(false),
});

/** `--quantize` of the model-loading commands. */
export const LoadFlags = z.object({
  quantize: z.enum(['nf4', 'q4']).optional(),
  // serve's --adapter is repeatable (NAME=DIR); generate and chat take one PEFT directory.
  adapter: z.array(z.string()).max(1, { message: 'generate and chat take one adapter directory' }).optional(),
});

/**
 * node:util parseArgs with its errors as ConfigErrors that say how to fix them; above all
 * `--max-tokens -1`, which parseArgs calls "ambiguous", needs `--max-tokens=-1`.
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const message = (error as Error).message;
    const ambiguous = /Option '(--[\w-]+)[^']*' argument is ambiguous/.exec(message);
    if (ambiguous) throw new ConfigError(`${ambiguous[1]}: a value starting with '-' must be attached with '=': ${ambiguous[1]}=<value>`);
    throw new ConfigError(message.replace(/\. To specify a positional argument.*$/, ''));
  }
}

/** `--run NAME`: one plain directory name, so the run stays inside runs/<recipe>/. */
export function runName(value: string): string {
  if (!/^[\w][\w.-]*$/.test(value) || value.includes('..')) {
    throw new ConfigError(`--run ${JSON.stringify(value)}: a run name is one directory name (letters, digits, '_', '-', '.'; no '/' or '..')`);
  }
  return value;
}

/** `--set KEY=VALUE` checked up front, so a bad one names the option and the field. */
export function checkSets(sets: readonly string[]): void {
  for (const set of sets) {
    const eq = set.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set ${JSON.stringify(set)}: expected KEY=VALUE (e.g. --set train.learning_rate=1e-4)`);
    try {
      parseYaml(set.slice(eq + 1));
    } catch (error) {
      throw new ConfigError(`--set ${set.slice(0, eq)}: the value ${JSON.stringify(set.slice(eq + 1))} is not valid YAML (${(error as Error).message.split('\n')[0]})`);
    }
  }
}
