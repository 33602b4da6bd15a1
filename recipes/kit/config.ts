// Recipe configs: a preset YAML from configs/<recipe>/, then a --config file, then the --smoke
// overlay, then --set key=value pairs, deep-merged in that order and validated by the recipe's zod
// schema. Errors name the field and every file that went into the result.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../../src/errors.js';

export type Tree = Record<string, unknown>;

function isTree(x: unknown): x is Tree {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** `over` on top of `base`: objects merge key by key; anything else (lists included) replaces. */
export function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prior = out[key];
    out[key] = isTree(prior) && isTree(value) ? deepMerge(prior, value) : value;
  }
  return out;
}

/** `a.b.c=value` as the tree {a:{b:{c:value}}}; the value is YAML, so `0.3`, `true`, `[q_proj]` and `null` keep their types. */
export function parseSet(assignment: string): Tree {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--set ${assignment}: expected key=value (dotted keys reach nested fields, e.g. train.learning_rate=1e-4)`);
  const value: unknown = parseYaml(assignment.slice(eq + 1));
  return assignment
    .slice(0, eq)
    .split('.')
    .reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Tree;
}

export async function readYamlTree(file: string): Promise<Tree> {
  let parsed: unknown;
  try {
    parsed = parseYaml(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${file}: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isTree(parsed)) throw new ConfigError(`${file}: expected a mapping of config fields at the top level`);
  return parsed;
}

export interface ConfigSources {
  /** YAML files applied in order (preset, --config, smoke overlay). */
  files: readonly string[];
  /** --set assignments, applied last. */
  sets?: readonly string[];
}

/** The merged, validated config; the first problem is reported with its dotted field path. */
export async function loadConfig<S extends z.ZodType>(schema: S, sources: ConfigSources): Promise<z.output<S>> {
  let tree: Tree = {};
  for (const file of sources.files) tree = deepMerge(tree, await readYamlTree(file));
  for (const s of sources.sets ?? []) tree = deepMerge(tree, parseSet(s));
  const parsed = schema.safeParse(tree);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const from = [...sources.files, ...(sources.sets?.length ? ['--set'] : [])].join(' + ');
  throw new ConfigError(`config field "${issue.path.join('.') || '(top)'}": ${issue.message} (from ${from})`);
}
