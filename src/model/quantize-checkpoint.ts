// `wgml quantize`: a HuggingFace Qwen directory → the same directory with its seven projections
// per layer in 4 bits (bitsandbytes' layout for NF4) and quantization_config in config.json, so
// it loads back without re-quantizing. Everything is written under a temporary name and renamed.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SINGLE_FILE, openSafetensors, writeSafetensors, type TensorToWrite } from '../io/safetensors.js';
import { quantWeightTensors } from '../quant/checkpoint.js';
import { quantizeWeight, type QuantizeSpec, layoutFor } from '../quant/quantize.js';
import { assertFreshTarget, writeModelDir } from './model-dir.js';

/** The Linear weights transformers' bitsandbytes integration quantizes in a Qwen model (lm_head is skipped). */
export const PROJECTION_WEIGHT = /^model\.layers\.\d+\.(self_attn\.[qkvo]_proj|mlp\.(gate|up|down)_proj)\.weight$/;

/** config.json's quantization_config for a checkpoint written with `spec`. */
export function quantizationConfig(spec: QuantizeSpec): Record<string, unknown> {
  const layout = layoutFor(spec);
  if (spec.format === 'q4') return { quant_method: 'wgml', quant_type: 'q4', group_size: layout.blockSize };
  return {
    quant_method: 'bitsandbytes',
    load_in_4bit: true,
    load_in_8bit: false,
    _load_in_4bit: true,
    _load_in_8bit: false,
    bnb_4bit_quant_type: 'nf4',
    bnb_4bit_use_double_quant: spec.doubleQuant ?? false,
    bnb_4bit_compute_dtype: 'bfloat16',
    bnb_4bit_quant_storage: 'uint8',
    llm_int8_threshold: 6.0,
    llm_int8_skip_modules: null,
    llm_int8_has_fp16_weight: false,
    llm_int8_enable_fp32_cpu_offload: false,
  };
}

export interface QuantizeCheckpointOptions {
  onProgress?: (done: number, total: number, tensor: string) => void;
}

/** Writes `src` with its projections quantized by `spec` to the new directory `out` (one model.safetensors). */
export async function quantizeCheckpoint(src: string, out: string, spec: QuantizeSpec, options: QuantizeCheckpointOptions = {}): Promise<void> {
  layoutFor(spec);
  await assertFreshTarget(out);
  const config = JSON.parse(await readFile(join(src, 'config.json'), 'utf8')) as Record<string, unknown>;
  const reader = await openSafetensors(src);
  try {
    const tensors: Record<string, TensorToWrite> = {};
    const names = reader.names();
    for (const [i, name] of names.entries()) {
      const info = reader.info(name);
      if (PROJECTION_WEIGHT.test(name) && info.shape.length === 2) {
        const shape = info.shape as [number, number];
        Object.assign(tensors, quantWeightTensors(name, quantizeWeight(await reader.readF32(name), shape, spec), info.dtype));
      } else {
        tensors[name] = { dtype: info.dtype, shape: info.shape, data: await reader.read(name) };
      }
      options.onProgress?.(i + 1, names.length, name);
    }
    await writeModelDir(src, out, async (dir) => {
      await writeSafetensors(join(dir, SINGLE_FILE), tensors, { format: 'pt' });
      await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, quantization_config: quantizationConfig(spec) }, null, 2));
    });
  } finally {
    await reader.close();
  }
}
