// config.json against the checkpoint before any weight is read: a num_hidden_layers below the
// layers the file stores would load a truncated model without a word, so it is refused.
import { CheckpointFormatError } from '../errors.js';
import type { QwenConfig } from '../io/config.js';
import type { SafetensorsReader } from '../io/safetensors.js';

/** One past the highest `model.layers.N.` index among the checkpoint's tensors. */
export function storedLayerCount(names: readonly string[]): number {
  return Math.max(0, ...names.map((n) => Number(/^model\.layers\.(\d+)\./.exec(n)?.[1] ?? -1) + 1));
}

export function checkLayerCount(reader: SafetensorsReader, config: QwenConfig, dir: string): void {
  const stored = storedLayerCount(reader.names());
  if (stored > config.numLayers) {
    throw new CheckpointFormatError(
      `${dir}: the checkpoint stores ${stored} layers (model.layers.0-${stored - 1}) but config.json num_hidden_layers is ${config.numLayers}; set num_hidden_layers to ${stored}, or drop the extra layers from the checkpoint`,
    );
  }
}
