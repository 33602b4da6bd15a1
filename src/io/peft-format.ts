// PEFT LoRA adapters as bytes and names: adapter_config.json's fields, PEFT's tensor key names
// (base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight) and the two files' contents, with
// no file access, so the core (nn, engine) and the browser share them; peft.ts reads and writes them on disk.
import { type AdapterModule, type LoraTarget, moduleName } from './adapter-config.js';
import { encodeSafetensors, type TensorToWrite } from './safetensors-writer.js';

export { LORA_TARGETS, type AdapterModule, type LoraTarget } from './adapter-config.js';

/** adapter_config.json as wgml writes it (target_modules as projection or full module names); other fields kept as written. */
export interface AdapterConfig {
  peft_type: 'LORA';
  task_type: string;
  r: number;
  lora_alpha: number;
  lora_dropout: number;
  target_modules: string[] | string;
  rank_pattern: Record<string, number>;
  alpha_pattern: Record<string, number>;
  use_rslora: boolean;
  bias: 'none';
  base_model_name_or_path: string | null;
  fan_in_fan_out: false;
  /** null: every layer. */
  layers_to_transform: number[] | null;
  [field: string]: unknown;
}

export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';

/** PEFT's name of layer `layer`'s LoRA `which` matrix on `target`. */
export function loraTensorName(layer: number, target: LoraTarget, which: 'A' | 'B'): string {
  return `base_model.model.${moduleName(layer, target)}.lora_${which}.weight`;
}

/** The scale PEFT applies to B·A: alpha/r, or alpha/√r with rsLoRA. */
export function loraScaling(config: { r: number; lora_alpha: number; use_rslora: boolean }): number {
  return config.use_rslora ? config.lora_alpha / Math.sqrt(config.r) : config.lora_alpha / config.r;
}

/** The two files' contents, in memory: the safetensors as chunks, the config as text. */
export function encodePeftAdapter(config: AdapterConfig, tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array }>): { [ADAPTER_WEIGHTS]: Uint8Array[]; [ADAPTER_CONFIG]: string } {
  const record: Record<string, TensorToWrite> = {};
  for (const [name, t] of tensors) record[name] = { dtype: 'F32', shape: t.shape, data: t.data };
  return {
    [ADAPTER_WEIGHTS]: encodeSafetensors(ADAPTER_WEIGHTS, record, { format: 'pt' }),
    [ADAPTER_CONFIG]: JSON.stringify({ inference_mode: true, init_lora_weights: true, modules_to_save: null, ...config }, null, 2) + '\n',
  };
}

export interface PeftAdapter {
  /** The file's fields as parsed (target_modules and layers_to_transform as written). */
  config: AdapterConfig;
  /** What PEFT would adapt in this model: each module with its own rank and alpha. */
  modules: AdapterModule[];
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}


/** One past the highest layer index in PEFT tensor names. */
export function layersIn(names: readonly string[]): number {
  return Math.max(0, ...names.map((n) => Number(/\.layers\.(\d+)\./.exec(n)?.[1] ?? -1) + 1));
}
