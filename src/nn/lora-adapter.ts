// A LoRA adapter on a QwenModel: wraps the targeted projections in LoraLinear (each module with
// its own rank and alpha, as PEFT's rank_pattern/alpha_pattern allow), exposes the trainable
// tensors by PEFT name, saves and loads PEFT's format, merges into the base.
import { z } from 'zod';
import { Rng } from '../cpu/random.js';
import { CheckpointFormatError, ConfigError, WgmlError } from '../errors.js';
import { selectionFields } from '../io/adapter-config.js';
import { ADAPTER_CONFIG, LORA_TARGETS, loraScaling, loraTensorName, type AdapterConfig, type AdapterModule, type LoraTarget, type PeftAdapter } from '../io/peft-format.js';
import { Tensor } from '../tensor/tensor.js';
import { Linear } from './linear.js';
import { initLora, LoraLinear } from './lora.js';
import type { QwenModel } from './qwen.js';
import { TokenRows } from './token-rows.js';

export const LoraConfigSchema = z.object({
  r: z.number().int().positive().default(8),
  alpha: z.number().positive().default(16),
  dropout: z.number().min(0).lt(1).default(0.05),
  targetModules: z.array(z.enum(LORA_TARGETS)).nonempty().default([...LORA_TARGETS]),
  useRslora: z.boolean().default(false),
  /** Token ids whose embed_tokens (and lm_head) rows train too: newly added tokens (PEFT's trainable_token_indices). */
  trainableTokenIndices: z.array(z.number().int().min(0)).default([]),
  /** Layers carrying LoRA (PEFT's layers_to_transform); null = every layer. */
  layersToTransform: z.array(z.number().int().min(0)).nullable().default(null),
});
export type LoraConfig = z.output<typeof LoraConfigSchema>;

export type ProjectionField = 'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down';

export const FIELD: Record<LoraTarget, ProjectionField> = {
  q_proj: 'q', k_proj: 'k', v_proj: 'v', o_proj: 'o', gate_proj: 'gate', up_proj: 'up', down_proj: 'down',
};

/** (out, in) of each target, from the config (4-bit weights keep no float shape to ask). */
export function targetShape(net: QwenModel, target: LoraTarget): [number, number] {
  const { hiddenSize: C, intermediateSize: I, numHeads: H, numKvHeads: KV, headDim: D } = net.config;
  const shapes: Record<LoraTarget, [number, number]> = {
    q_proj: [H * D, C], k_proj: [KV * D, C], v_proj: [KV * D, C], o_proj: [C, H * D], gate_proj: [I, C], up_proj: [I, C], down_proj: [C, I],
  };
  return shapes[target];
}

export class LoraAdapter {
  private constructor(
    readonly net: QwenModel,
    readonly config: LoraConfig,
    readonly modules: (AdapterModule & { lora: LoraLinear })[],
    readonly tokenRows?: TokenRows,
  ) {}

  /**
   * Wraps `modules` (by default the config's targets in each of its layers, rank r and alpha),
   * initialised as PEFT does (B = 0) from `seed`.
   */
  static attach(net: QwenModel, config: LoraConfig, seed = 0, plan: readonly AdapterModule[] = uniformModules(net, config)): LoraAdapter {
    const rng = new Rng(seed);
    const modules = plan.map((m) => {
      const { layer, target, r } = m;
      const w = net.layers[layer]!;
      if (w[FIELD[target]] instanceof LoraLinear) throw new WgmlError(`layer ${layer} ${target} already carries a LoRA adapter`);
      const [out, inp] = targetShape(net, target);
      const names = { A: loraTensorName(layer, target, 'A'), B: loraTensorName(layer, target, 'B') };
      const scaling = loraScaling({ r, lora_alpha: m.alpha, use_rslora: config.useRslora });
      const lora = LoraLinear.create(net.device, w[FIELD[target]], [out, inp], initLora(rng, r, inp, out), { r, scaling, dropout: config.dropout, names });
      w[FIELD[target]] = lora;
      return { ...m, lora };
    });
    const rows = config.trainableTokenIndices.length ? TokenRows.attach(net, config.trainableTokenIndices) : undefined;
    return new LoraAdapter(net, config, modules, rows);
  }

  /** Puts a PEFT adapter read from `dir` onto `net`, checking every tensor against the model's shapes before any GPU work. */
  static fromPeft(net: QwenModel, stored: PeftAdapter, dir: string): LoraAdapter {
    const { config: peft, modules, tensors } = stored;
    const config = adapterLoraConfig(peft, modules, `${dir}/${ADAPTER_CONFIG}`);
    checkStoredTensors(net, modules, tensors, dir);
    const adapter = LoraAdapter.attach(net, config, 0, modules);
    try {
      adapter.loadTensors(new Map([...tensors].map(([n, t]) => [n, t.data])), dir, new Map([...tensors].map(([n, t]) => [n, t.shape])));
    } catch (error) {
      adapter.detach();
      throw error;
    }
    return adapter;
  }

  /** Trainable tensors by PEFT name. */
  get parameters(): Map<string, Tensor> {
    const lora = this.modules.flatMap(({ lora }): [string, Tensor][] => [[lora.names.A, lora.A], [lora.names.B, lora.B]]);
    return new Map([...lora, ...(this.tokenRows?.parameters ?? [])]);
  }

  /** Overwrites the adapter's values in place (optimizers keep their references); every tensor must be present with its shape. */
  loadTensors(values: ReadonlyMap<string, Float32Array>, source = 'adapter', shapes?: ReadonlyMap<string, number[]>): void {
    for (const [name, current] of this.parameters) {
      const data = values.get(name);
      const shape = shapes?.get(name) ?? [data?.length ?? 0];
      if (!data || data.length !== current.size || (shapes && shape.some((d, i) => d !== current.shape[i]))) {
        throw new CheckpointFormatError(
          `${source}: ${data ? `tensor ${name} has shape [${shape.join(', ')}]` : `missing ${name}`}, the model needs [${current.shape.join(', ')}]; was the adapter made for another model shape or rank?`,
        );
      }
      current.write(data);
    }
  }

  /** adapter_config.json's fields and the tensors by PEFT name, as PEFT writes them (writePeftAdapter puts them on disk, the browser encodes them in memory). */
  async peft(baseModel: string | null = null): Promise<{ config: AdapterConfig; tensors: Map<string, { shape: number[]; data: Float32Array }> }> {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, t] of this.parameters) tensors.set(name, { shape: [...t.shape], data: await t.readFloat() });
    const config: AdapterConfig = {
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      lora_dropout: this.config.dropout,
      ...selectionFields(this.modules, this.net.layers.length),
      use_rslora: this.config.useRslora,
      bias: 'none',
      base_model_name_or_path: baseModel,
      fan_in_fan_out: false,
      ...(this.tokenRows ? { trainable_token_indices: peftTokenIndices(this.tokenRows) } : {}),
    };
    return { config, tensors };
  }

  /** Folds s·B·A into each frozen bf16/f32 base weight and removes the adapter. */
  async merge(): Promise<void> {
    for (const { lora } of this.modules) {
      if (!(lora.base instanceof Linear)) throw new WgmlError('merging into a 4-bit base would re-quantize it; load the base unquantized to merge');
    }
    for (const { lora } of this.modules) {
      const base = lora.base as Linear;
      const [out, inp] = base.weight.shape as [number, number];
      const [w, a, b] = [await base.weight.readFloat(), await lora.A.readFloat(), await lora.B.readFloat()];
      const r = a.length / inp;
      for (let o = 0; o < out; o++) {
        for (let i = 0; i < inp; i++) {
          let sum = 0;
          for (let k = 0; k < r; k++) sum += b[o * r + k]! * a[k * inp + i]!;
          w[o * inp + i] = w[o * inp + i]! + lora.scaling * sum;
        }
      }
      const merged = Tensor.from(this.net.device, w, [out, inp], base.weight.dtype);
      base.weight.dispose();
      base.weight = merged;
    }
    this.detach();
  }

  /** Puts the frozen projections back and frees the adapter. */
  detach(): void {
    this.tokenRows?.sync();
    this.tokenRows?.dispose();
    for (const { layer, target, lora } of this.modules) {
      this.net.layers[layer]![FIELD[target]] = lora.base;
      lora.disposeAdapter();
    }
    this.modules.length = 0;
  }
}

/** The config's targets in each of its layers (layersToTransform, else all), with rank r and alpha. */
function uniformModules(net: QwenModel, config: LoraConfig): AdapterModule[] {
  const layers = config.layersToTransform ?? net.layers.map((_, i) => i);
  const bad = layers.find((l) => l >= net.layers.length);
  if (bad !== undefined) throw new ConfigError(`layersToTransform names layer ${bad}; the model has ${net.layers.length} layers`);
  return layers.flatMap((layer) => config.targetModules.map((target) => ({ layer, target, r: config.r, alpha: config.alpha })));
}

/**
 * trainable_token_indices as PEFT reads it: a tied head follows the embedding's rows, so the list
 * (PEFT wraps the input embedding and ties lm_head to it); an untied head trains its own rows, so
 * both modules by name, or PEFT would train and load the embedding's rows only.
 */
function peftTokenIndices(rows: TokenRows): number[] | Record<'embed_tokens' | 'lm_head', number[]> {
  return rows.head ? { embed_tokens: [...rows.ids], lm_head: [...rows.ids] } : [...rows.ids];
}

/**
 * The token ids of a stored trainable_token_indices: PEFT's list, or its map from module name
 * (matched by suffix, as PEFT matches it) to ids; wgml trains the same rows of embed_tokens and lm_head.
 */
function storedTokenIndices(value: unknown, file: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (typeof value !== 'object') throw new ConfigError(`${file}: field "trainable_token_indices" is ${JSON.stringify(value)}; expected a list of token ids or {"embed_tokens": [...], "lm_head": [...]}`);
  const byModule = Object.entries(value as Record<string, unknown>);
  const unknown = byModule.find(([name]) => !/(^|\.)(embed_tokens|lm_head)$/.test(name));
  if (unknown) throw new ConfigError(`${file}: field "trainable_token_indices" names module "${unknown[0]}"; wgml trains token rows of embed_tokens and lm_head only`);
  const rows = (suffix: string) => byModule.find(([name]) => name === suffix || name.endsWith(`.${suffix}`))?.[1];
  const [embed, head] = [rows('embed_tokens'), rows('lm_head')];
  if (!Array.isArray(embed)) throw new ConfigError(`${file}: field "trainable_token_indices" has no embed_tokens list; wgml trains the rows of the input embedding (and of an untied lm_head)`);
  if (head !== undefined && JSON.stringify(head) !== JSON.stringify(embed)) {
    throw new ConfigError(`${file}: field "trainable_token_indices" gives lm_head ${JSON.stringify(head)} but embed_tokens ${JSON.stringify(embed)}; wgml trains the same rows of both`);
  }
  return embed;
}

/** The loaded adapter's LoraConfig: the file's r, alpha and dropout; the projections and layers any module uses. */
function adapterLoraConfig(peft: PeftAdapter['config'], modules: readonly AdapterModule[], file: string): LoraConfig {
  const trainableTokenIndices = storedTokenIndices(peft['trainable_token_indices'], file);
  const layers = [...new Set(modules.map((m) => m.layer))];
  const parsed = LoraConfigSchema.safeParse({
    r: peft.r,
    alpha: peft.lora_alpha,
    dropout: peft.lora_dropout,
    targetModules: LORA_TARGETS.filter((t) => modules.some((m) => m.target === t)),
    useRslora: peft.use_rslora,
    trainableTokenIndices,
    layersToTransform: peft.layers_to_transform ? layers : null,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${file}: field "${issue.path.join('.')}": ${issue.message}`);
  }
  return parsed.data;
}

/**
 * The stored LoRA tensors are exactly those of the selected modules, in the shapes the model
 * needs: a tensor for a module the config does not select would be dropped silently, and a
 * wrong shape is caught here, before rank-r buffers are allocated for it.
 */
function checkStoredTensors(net: QwenModel, modules: readonly AdapterModule[], tensors: ReadonlyMap<string, { shape: number[] }>, dir: string): void {
  const wanted = new Map<string, number[]>();
  for (const { layer, target, r } of modules) {
    const [out, inp] = targetShape(net, target);
    wanted.set(loraTensorName(layer, target, 'A'), [r, inp]);
    wanted.set(loraTensorName(layer, target, 'B'), [out, r]);
  }
  for (const [name, want] of wanted) {
    const shape = tensors.get(name)?.shape;
    if (shape && shape.join() !== want.join()) {
      throw new CheckpointFormatError(`${dir}: tensor ${name} has shape [${shape.join(', ')}], the model needs [${want.join(', ')}]; was the adapter made for another model shape or rank?`);
    }
  }
  for (const name of tensors.keys()) {
    if (!wanted.has(name) && name.includes('.lora_')) {
      throw new CheckpointFormatError(`${dir}: adapter_model.safetensors holds ${name}, a module that ${ADAPTER_CONFIG}'s target_modules/layers_to_transform do not select; fix the config or drop the tensor`);
    }
  }
}
