// PEFT LoRA adapters on disk: adapter_config.json + adapter_model.safetensors with PEFT's key names
// (base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight), readable by peft.PeftModel.
import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointFormatError } from '../errors.js';
import { type AdapterModule, type LoraTarget, moduleName, parseAdapterConfigFile, resolveAdapterModules } from './adapter-config.js';
import { writeFileAtomic } from './atomic.js';
import { encodeSafetensors, openSafetensors, type TensorToWrite } from './safetensors.js';

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

export async function writePeftAdapter(dir: string, config: AdapterConfig, tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array }>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files = encodePeftAdapter(config, tensors);
  await writeFileAtomic(join(dir, ADAPTER_WEIGHTS), files[ADAPTER_WEIGHTS]);
  await writeFileAtomic(join(dir, ADAPTER_CONFIG), files[ADAPTER_CONFIG]);
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

/**
 * Reads a PEFT adapter for a model of `numLayers` layers (by default, as many as its tensor
 * names reach). Every tensor stored must belong to a selected module: a file holding LoRA for
 * modules its config does not target disagrees with itself, and is refused.
 */
export async function readPeftAdapter(dir: string, numLayers?: number): Promise<PeftAdapter> {
  const configFile = join(dir, ADAPTER_CONFIG);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(configFile, 'utf8'));
  } catch (error) {
    throw new CheckpointFormatError(`${configFile}: cannot read the adapter config (${(error as Error).message})`);
  }
  const file = parseAdapterConfigFile(json, configFile);
  const reader = await openSafetensors(join(dir, ADAPTER_WEIGHTS));
  try {
    const modules = resolveAdapterModules(file, numLayers ?? layersIn(reader.names()), configFile);
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const name of reader.names()) tensors.set(name, { shape: [...reader.info(name).shape], data: await reader.readF32(name) });
    return { config: { ...file, target_modules: typeof file.target_modules === 'string' ? file.target_modules : [...file.target_modules] }, modules, tensors };
  } finally {
    await reader.close();
  }
}

/** One past the highest layer index in PEFT tensor names. */
function layersIn(names: readonly string[]): number {
  return Math.max(0, ...names.map((n) => Number(/\.layers\.(\d+)\./.exec(n)?.[1] ?? -1) + 1));
}
