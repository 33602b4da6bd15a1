// The 4-bit base a recipe fine-tunes, loaded as its quantization block says, optionally with a
// trained adapter on top.
import type { Device } from '../../src/gpu/device.js';
import { loadModel, type Model } from '../../src/model/model.js';
import type { LoraConfig, QuantizationConfig } from './blocks.js';
import { resolveAsset } from './paths.js';

export function loadBase(model: string, q: QuantizationConfig, device: Device, adapter?: string): Promise<Model> {
  return loadModel(resolveAsset(model), { device, quantize: { format: q.format, doubleQuant: q.double_quant, blockSize: q.block_size }, ...(adapter ? { adapter } : {}) });
}

/** A fresh trainable adapter from the lora block. */
export function addLora(model: Model, l: LoraConfig, seed: number): void {
  model.addLora({ r: l.r, alpha: l.alpha, dropout: l.dropout, targetModules: l.target_modules }, seed);
}
