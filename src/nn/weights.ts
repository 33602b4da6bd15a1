// Moves checkpoint tensors onto the GPU by HF name, checking each shape against the config.
import { CheckpointFormatError, ConfigError } from '../errors.js';
import type { Device } from '../gpu/device.js';
import type { SafetensorsReader } from '../io/safetensors.js';
import { readQuantWeight } from '../quant/checkpoint.js';
import { quantizeWeight, uploadQuantWeight, type QuantizeSpec } from '../quant/quantize.js';
import type { QuantTensor } from '../quant/quant-tensor.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

const STORED: Record<string, DType> = { F32: 'f32', BF16: 'bf16', F16: 'f16' };

export class WeightLoader {
  constructor(
    private readonly device: Device,
    private readonly reader: SafetensorsReader,
    /** Quantize float projection weights at load; 4-bit ones in the checkpoint load as stored. */
    private readonly quantize?: QuantizeSpec,
    /** Upcast every float weight to f32 (trainable weights for full-parameter training). */
    private readonly upcast = false,
  ) {
    if (quantize && upcast) throw new ConfigError('quantize and an f32 upcast exclude each other: 4-bit weights are frozen');
  }

  has(name: string): boolean {
    return this.reader.has(name);
  }

  /** The tensor `name` in its stored float dtype; a missing tensor or another shape is an error naming it. */
  async load(name: string, shape: readonly number[]): Promise<Tensor> {
    const dtype = this.floatDType(name, shape);
    if (this.upcast && dtype !== 'f32') return Tensor.from(this.device, await this.reader.readF32(name), shape);
    return Tensor.fromBytes(this.device, await this.reader.read(name), shape, dtype);
  }

  /** A projection weight (out, in): as a checkpoint stores it 4-bit, else quantized if asked, else as stored. */
  async loadProjection(name: string, shape: readonly [number, number]): Promise<Tensor | QuantTensor> {
    const stored = await readQuantWeight(this.reader, name, shape);
    if (stored) return uploadQuantWeight(this.device, stored);
    if (!this.quantize) return this.load(name, shape);
    this.floatDType(name, shape);
    const values = await this.reader.readF32(name);
    try {
      return uploadQuantWeight(this.device, quantizeWeight(values, shape, this.quantize));
    } catch (e) {
      throw new ConfigError(`cannot quantize "${name}" [${shape.join(', ')}] to ${this.quantize.format}: ${(e as Error).message}`);
    }
  }

  private floatDType(name: string, shape: readonly number[]): DType {
    if (!this.reader.has(name)) throw new CheckpointFormatError(`${this.reader.path}: missing tensor "${name}" (expected shape [${shape.join(', ')}])`);
    const info = this.reader.info(name);
    if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
      throw new CheckpointFormatError(`${info.file}: tensor "${name}" has shape [${info.shape.join(', ')}], the config implies [${shape.join(', ')}]`);
    }
    const dtype = STORED[info.dtype];
    if (!dtype) throw new CheckpointFormatError(`${info.file}: tensor "${name}" is ${info.dtype}; expected F32, BF16 or F16`);
    return dtype;
  }
}
