// Moves checkpoint tensors onto the GPU by HF name, checking each shape against the config.
import { CheckpointFormatError } from '../errors.js';
import type { Device } from '../gpu/device.js';
import type { SafetensorsReader } from '../io/safetensors.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

const STORED: Record<string, DType> = { F32: 'f32', BF16: 'bf16', F16: 'f16' };

export class WeightLoader {
  constructor(
    private readonly device: Device,
    private readonly reader: SafetensorsReader,
  ) {}

  has(name: string): boolean {
    return this.reader.has(name);
  }

  /** The tensor `name` in its stored float dtype; a missing tensor or another shape is an error naming it. */
  async load(name: string, shape: readonly number[]): Promise<Tensor> {
    if (!this.reader.has(name)) throw new CheckpointFormatError(`${this.reader.path}: missing tensor "${name}" (expected shape [${shape.join(', ')}])`);
    const info = this.reader.info(name);
    if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
      throw new CheckpointFormatError(`${info.file}: tensor "${name}" has shape [${info.shape.join(', ')}], the config implies [${shape.join(', ')}]`);
    }
    const dtype = STORED[info.dtype];
    if (!dtype) throw new CheckpointFormatError(`${info.file}: tensor "${name}" is ${info.dtype}; expected F32, BF16 or F16`);
    return Tensor.fromBytes(this.device, await this.reader.read(name), shape, dtype);
  }
}
