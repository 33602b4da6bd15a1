// adapter_config.json as PEFT means it: which projections of which layers carry LoRA
// (target_modules as names matched by suffix, "all-linear", or a regex over full module names;
// layers_to_transform), and a clear refusal of the fields wgml does not apply, so none is
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
    use_rslora: z.boolean().default(false),
    bias: z.literal('none').default('none'),
    base_model_name_or_path: z.string().nullable().default(null),
    fan_in_fan_out: z.literal(false).default(false),
    layers_to_transform: layerList.nullable().default(null),
  })
  .passthrough();
type AdapterConfigFile = z.output<typeof AdapterConfigFileSchema>;

// Each would change what PEFT computes; wgml does not implement them, so it refuses them.
const UNSUPPORTED: readonly [field: string, applies: (v: unknown) => boolean, why: string][] = [
  ['use_dora', (v) => v === true, 'DoRA (weight-decomposed LoRA) is not implemented; use a plain LoRA adapter'],
  ['rank_pattern', (v) => isNonEmpty(v), 'wgml gives every module the rank r; re-train without per-module ranks'],
  ['alpha_pattern', (v) => isNonEmpty(v), 'wgml gives every module lora_alpha; re-train without per-module alphas'],
  ['modules_to_save', (v) => isNonEmpty(v), 'fully trained extra modules are not loaded; merge them into the base model first'],
  ['layer_replication', (v) => isNonEmpty(v), 'layer replication is not implemented'],
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

export interface AdapterTargets {
  readonly targets: LoraTarget[];
  /** Layers carrying LoRA, ascending; all of them when layers_to_transform is null. */
  readonly layers: number[];
}

/**
 * The projections and layers the config selects in a model of `numLayers` layers, matched as
 * PEFT matches: a list entry selects a module whose name is it or ends in "." + it, a string is
 * a regex the whole name must match, "all-linear" is every projection (never lm_head).
 */
export function resolveAdapterTargets(config: Pick<AdapterConfigFile, 'target_modules' | 'layers_to_transform'>, numLayers: number, file: string): AdapterTargets {
  const spec = config.target_modules;
  if (typeof spec === 'string' && spec !== 'all-linear' && config.layers_to_transform) {
    throw new ConfigError(`${file}: field "layers_to_transform" cannot be used with a regex target_modules (PEFT refuses it too); put the layers in the regex`);
  }
  const allLayers = Array.from({ length: numLayers }, (_, i) => i);
  const layers = config.layers_to_transform ? [...new Set(config.layers_to_transform)].sort((a, b) => a - b) : allLayers;
  const outside = layers.find((l) => l >= numLayers);
  if (outside !== undefined) throw new ConfigError(`${file}: field "layers_to_transform" names layer ${outside}, but the model has ${numLayers} layers (0-${numLayers - 1})`);
  const selects = matcher(spec, file);
  const perLayer = layers.map((l) => LORA_TARGETS.filter((t) => selects(moduleName(l, t))));
  return rectangular(file, layers, perLayer);
}

function matcher(spec: readonly string[] | string, file: string): (name: string) => boolean {
  if (spec === 'all-linear') return () => true;
  if (typeof spec === 'string') {
    let regex: RegExp;
    try {
      regex = new RegExp(`^(?:${spec})$`);
    } catch (error) {
      throw new ConfigError(`${file}: field "target_modules": ${JSON.stringify(spec)} is not a valid regular expression (${(error as Error).message})`);
    }
    return (name) => regex.test(name);
  }
  const unknown = spec.find((entry) => !LORA_TARGETS.some((t) => matchesEntry(moduleName(0, t), entry) || entry.endsWith(t)));
  if (unknown !== undefined) {
    throw new ConfigError(`${file}: field "target_modules": "${unknown}" names no projection wgml can adapt (${LORA_TARGETS.join(', ')}); lm_head and embed_tokens LoRA are not supported`);
  }
  return (name) => spec.some((entry) => matchesEntry(name, entry));
}

function matchesEntry(name: string, entry: string): boolean {
  return name === entry || name.endsWith(`.${entry}`);
}

// wgml's adapter applies one set of projections to a set of layers; a selection that differs
// between layers (possible with a regex or full module names) is refused, not half-applied.
function rectangular(file: string, layers: number[], perLayer: LoraTarget[][]): AdapterTargets {
  const used = layers.map((l, i) => ({ layer: l, targets: perLayer[i]! })).filter((x) => x.targets.length > 0);
  if (used.length === 0) throw new ConfigError(`${file}: field "target_modules" selects no module of the model; expected names like q_proj or ${moduleName(0, 'q_proj')}`);
  const first = used[0]!.targets.join();
  const odd = used.find((x) => x.targets.join() !== first);
  if (odd) {
    throw new ConfigError(`${file}: field "target_modules" selects [${used[0]!.targets.join(', ')}] in layer ${used[0]!.layer} but [${odd.targets.join(', ')}] in layer ${odd.layer}; wgml needs the same projections in every adapted layer`);
  }
  return { targets: used[0]!.targets, layers: used.map((x) => x.layer) };
}
