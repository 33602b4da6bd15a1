// The base a recipe fine-tunes, loaded as its quantization block says (4-bit, or bf16 for plain
// LoRA), optionally with a trained adapter on top.
import type { Device } from '../../src/gpu/device.js';
import { loadModel, type Model } from '../../src/model/model.js';
import type { QuantizeSpec } from '../../src/quant/quantize.js';
import type { LoraConfig, QuantizationConfig } from './blocks.js';
import { resolveAsset } from './paths.js';

/** loadModel's quantize option for a quantization block; undefined: the bf16 base (format none). */
export function quantizeOption(q: QuantizationConfig): QuantizeSpec | undefined {
  return q.format === 'none' ? undefined : { format: q.format, doubleQuant: q.double_quant, blockSize: q.block_size };
}

export function loadBase(model: string, q: QuantizationConfig, device: Device, adapter?: string): Promise<Model> {
  return loadModel(resolveAsset(model), { device, quantize: quantizeOption(q), ...(adapter ? { adapter } : {}) });
}

/** A fresh trainable adapter from the lora block. */
export function addLora(model: Model, l: LoraConfig, seed: number): void {
  model.addLora({ r: l.r, alpha: l.alpha, dropout: l.dropout, targetModules: l.target_modules }, seed);
}
