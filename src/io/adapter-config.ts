// adapter_config.json as PEFT means it: which projections of which layers carry LoRA
// (target_modules as names matched by suffix, "all-linear", or a regex over full module names;
// exclude_modules, matched alike, taking modules back out; layers_to_transform), each module's rank and alpha (r and lora_alpha, overridden per module by
// rank_pattern/alpha_pattern), and a clear refusal of the fields wgml does not apply, so none is
// accepted and then silently ignored.
import { z } from 'zod';
import { ConfigError } from '../errors.js';

export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

const layerList = z.union([z.number().int().min(0), z.array(z.number().int().min(0))]).transform((l) => (Array.isArray(l) ? l : [l]));

/** The fields as written; `resolveAdapterTargets` turns target_modules and layers_to_transform into modules. */
export const AdapterConfigFileSchema = z
  .object({
    peft_type: z.literal('LORA'),
    task_type: z.string().default('CAUSAL_LM'),
    r: z.number().int().positive(),
    lora_alpha: z.number().positive(),
    lora_dropout: z.number().min(0).lt(1).default(0),
    target_modules: z.union([z.array(z.string()).nonempty(), z.string()]),
    exclude_modules: z.union([z.array(z.string()), z.string()]).nullable().default(null),
    use_rslora: z.boolean().default(false),
    bias: z.literal('none').default('none'),
    base_model_name_or_path: z.string().nullable().default(null),
    fan_in_fan_out: z.literal(false).default(false),
    layers_to_transform: layerList.nullable().default(null),
    rank_pattern: z.record(z.string(), z.number().int().positive()).nullable().default({}).transform((p) => p ?? {}),
    alpha_pattern: z.record(z.string(), z.number().positive()).nullable().default({}).transform((p) => p ?? {}),
  })
  .passthrough();
type AdapterConfigFile = z.output<typeof AdapterConfigFileSchema>;

// Each would change what PEFT computes; wgml does not implement them, so it refuses them.
const UNSUPPORTED: readonly [field: string, applies: (v: unknown) => boolean, why: string][] = [
  ['use_dora', (v) => v === true, 'DoRA (weight-decomposed LoRA) is not implemented; use a plain LoRA adapter'],
  ['modules_to_save', (v) => isNonEmpty(v), 'fully trained extra modules are not loaded; merge them into the base model first'],
  ['layer_replication', (v) => isNonEmpty(v), 'layer replication is not implemented'],
  ['lora_bias', (v) => v === true, 'a bias on lora_B is not implemented'],
  ['target_parameters', (v) => isNonEmpty(v), 'LoRA on bare parameters (not modules) is not implemented'],
  ['alora_invocation_tokens', (v) => isNonEmpty(v), 'activated LoRA (aLoRA) is not implemented'],
  ['use_qalora', (v) => v === true, 'QA-LoRA is not implemented'],
];

function isNonEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === false) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Validates adapter_config.json; every failure is a ConfigError naming the file and the field. */
export function parseAdapterConfigFile(json: unknown, file: string): AdapterConfigFile {
  const parsed = AdapterConfigFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${file}: field "${issue.path.join('.') || '(root)'}": ${issue.message}`);
  }
  for (const [field, applies, why] of UNSUPPORTED) {
    if (applies(parsed.data[field])) throw new ConfigError(`${file}: field "${field}" is set (${JSON.stringify(parsed.data[field])}); ${why}`);
  }
  return parsed.data;
}

/** PEFT's name of the module a LoRA target wraps in layer `layer` of a Qwen causal LM. */
export function moduleName(layer: number, target: LoraTarget): string {
  const block = ['gate_proj', 'up_proj', 'down_proj'].includes(target) ? 'mlp' : 'self_attn';
  return `model.layers.${layer}.${block}.${target}`;
}

/** One adapted projection: its layer, which projection, and the rank and alpha PEFT gives it. */
export interface AdapterModule {
  readonly layer: number;
  readonly target: LoraTarget;
  readonly r: number;
  readonly alpha: number;
}

type Selection = Pick<AdapterConfigFile, 'target_modules' | 'exclude_modules' | 'layers_to_transform' | 'r' | 'lora_alpha' | 'rank_pattern' | 'alpha_pattern'>;

/**
 * The modules the config adapts in a model of `numLayers` layers, layer by layer in LORA_TARGETS
 * order, matched as PEFT matches: a list entry selects a module whose name is it or ends in "." +
 * it, a string is a regex the whole name must match, "all-linear" is every projection (never
 * lm_head); layers_to_transform keeps the listed layers. Layers may differ in their projections.
 */
export function resolveAdapterModules(config: Selection, numLayers: number, file: string): AdapterModule[] {
  const spec = config.target_modules;
  if (typeof spec === 'string' && spec !== 'all-linear' && config.layers_to_transform) {
    throw new ConfigError(`${file}: field "layers_to_transform" cannot be used with a regex target_modules (PEFT refuses it too); put the layers in the regex`);
  }
  const allLayers = Array.from({ length: numLayers }, (_, i) => i);
  const layers = config.layers_to_transform ? [...new Set(config.layers_to_transform)].sort((a, b) => a - b) : allLayers;
  const outside = layers.find((l) => l >= numLayers);
  if (outside !== undefined) throw new ConfigError(`${file}: field "layers_to_transform" names layer ${outside}, but the model has ${numLayers} layers (0-${numLayers - 1})`);
  const selects = matcher(spec, file);
  const excludes = excluder(config.exclude_modules, file);
  const rank = patternLookup(config.rank_pattern, 'rank_pattern', file);
  const alpha = patternLookup(config.alpha_pattern, 'alpha_pattern', file);
  const modules = layers.flatMap((layer) =>
    LORA_TARGETS.filter((t) => selects(moduleName(layer, t)) && !excludes(moduleName(layer, t))).map((target) => {
      const name = moduleName(layer, target);
      return { layer, target, r: rank(name) ?? config.r, alpha: alpha(name) ?? config.lora_alpha };
    }),
  );
  if (modules.length === 0) throw new ConfigError(`${file}: field "target_modules" selects no module of the model${config.exclude_modules ? ' that exclude_modules leaves' : ''}; expected names like q_proj or ${moduleName(0, 'q_proj')}`);
  return modules;
}

/**
 * PEFT's get_pattern_key: the first key, in the file's order, for which re.match(r"(.*\.)?(key)$",
 * name) holds (a key is a regex over the end of the module name, after a dot or from its start).
 */
function patternLookup(pattern: Record<string, number>, field: string, file: string): (name: string) => number | undefined {
  const rules = Object.entries(pattern).map(([key, value]) => {
    try {
      return { test: new RegExp(`^(?:.*\\.)?(?:${key})$`), value };
    } catch (error) {
      throw new ConfigError(`${file}: field "${field}": key ${JSON.stringify(key)} is not a valid regular expression (${(error as Error).message})`);
    }
  });
  return (name) => rules.find((rule) => rule.test.test(name))?.value;
}

/** A string field's regex over whole module names (PEFT's re.fullmatch). */
function regexMatcher(spec: string, field: string, file: string): (name: string) => boolean {
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${spec})$`);
  } catch (error) {
    throw new ConfigError(`${file}: field "${field}": ${JSON.stringify(spec)} is not a valid regular expression (${(error as Error).message})`);
  }
  return (name) => regex.test(name);
}

/** exclude_modules as PEFT matches it: a regex, or entries naming a module or the end of its name. */
function excluder(spec: readonly string[] | string | null, file: string): (name: string) => boolean {
  if (spec === null) return () => false;
  if (typeof spec === 'string') return regexMatcher(spec, 'exclude_modules', file);
  return (name) => spec.some((entry) => matchesEntry(name, entry));
}

function matcher(spec: readonly string[] | string, file: string): (name: string) => boolean {
  if (spec === 'all-linear') return () => true;
  if (typeof spec === 'string') return regexMatcher(spec, 'target_modules', file);
  const unknown = spec.find((entry) => !LORA_TARGETS.some((t) => matchesEntry(moduleName(0, t), entry) || entry.endsWith(t)));
  if (unknown !== undefined) {
    throw new ConfigError(`${file}: field "target_modules": "${unknown}" names no projection wgml can adapt (${LORA_TARGETS.join(', ')}); lm_head and embed_tokens LoRA are not supported`);
  }
  return (name) => spec.some((entry) => matchesEntry(name, entry));
}

function matchesEntry(name: string, entry: string): boolean {
  return name === entry || name.endsWith(`.${entry}`);
}

/**
 * The adapter_config fields that make PEFT select exactly `modules` with their ranks and alphas:
 * projection names (and layers_to_transform) when every adapted layer has the same ones, else the
 * full module names; rank_pattern/alpha_pattern by full module name where a module differs from
 * the most common rank and alpha.
 */
export function selectionFields(modules: readonly AdapterModule[], numLayers: number): Selection & { target_modules: string[] } {
  const layers = [...new Set(modules.map((m) => m.layer))];
  const targetsOf = (l: number) => modules.filter((m) => m.layer === l).map((m) => m.target).join();
  const rectangular = layers.every((l) => targetsOf(l) === targetsOf(layers[0]!));
  const r = mostCommon(modules.map((m) => m.r));
  const alpha = mostCommon(modules.map((m) => m.alpha));
  const named = (pick: (m: AdapterModule) => boolean, value: (m: AdapterModule) => number) =>
    Object.fromEntries(modules.filter(pick).map((m) => [moduleName(m.layer, m.target), value(m)]));
  return {
    target_modules: rectangular ? [...new Set(modules.map((m) => m.target))] : modules.map((m) => moduleName(m.layer, m.target)),
    exclude_modules: null,
    layers_to_transform: rectangular && layers.length < numLayers ? layers : null,
    r,
    lora_alpha: alpha,
    rank_pattern: named((m) => m.r !== r, (m) => m.r),
    alpha_pattern: named((m) => m.alpha !== alpha, (m) => m.alpha),
  };
}

function mostCommon(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}
