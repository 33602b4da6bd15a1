// One entry point over the layouts: quantize a weight on the CPU into its host form (what a
// checkpoint stores), dequantize it back (the tests' reference), or upload it as a QuantTensor.
import type { Device } from '../gpu/device.js';
import { f16ToF32 } from '../io/dtype.js';
import type { NestedAbsmax } from './blockwise8.js';
import { dequantizeBlocks, type FourBitLayout, nf4Layout, q4Layout, type QuantFormat } from './layouts.js';
import { quantizeNF4 } from './nf4.js';
import { quantizeQ4 } from './q4.js';
import { QuantTensor } from './quant-tensor.js';

export interface QuantizeSpec {
  format: QuantFormat;
  /** NF4 block size (default 64) or q4 group size (32 or 128, default 32). */
  blockSize?: number;
  /** NF4 only: bitsandbytes' double quantization of absmax. */
  doubleQuant?: boolean;
}

/** A quantized weight on the host: packed codes, f32 scale values (exactly what the kernels see). */
export interface HostQuantWeight {
  layout: FourBitLayout;
  shape: readonly [number, number];
  codes: Uint8Array;
  scales: Float32Array;
  /** NF4 with double quantization: the stored form of `scales`. */
  nested?: NestedAbsmax;
}

export function layoutFor(spec: QuantizeSpec): FourBitLayout {
  return spec.format === 'nf4' ? nf4Layout(spec.blockSize ?? 64) : q4Layout(spec.blockSize ?? 32);
}

/** values: (N,K) row-major → its 4-bit form. */
export function quantizeWeight(values: Float32Array, shape: readonly [number, number], spec: QuantizeSpec): HostQuantWeight {
  const layout = layoutFor(spec);
  if (spec.format === 'nf4') {
    const q = quantizeNF4(values, layout.blockSize, { doubleQuant: spec.doubleQuant });
    return { layout, shape, codes: q.codes, scales: q.absmax, nested: q.nested };
  }
  const q = quantizeQ4(values, layout.blockSize);
  return { layout, shape, codes: q.codes, scales: Float32Array.from(q.scales, f16ToF32) };
}

export function dequantizeWeight(w: HostQuantWeight): Float32Array {
  return dequantizeBlocks(w.layout, w.codes, w.scales, w.shape[0] * w.shape[1]);
}

export function uploadQuantWeight(device: Device, w: HostQuantWeight): QuantTensor {
  return QuantTensor.upload(device, w.layout, w.shape, w.codes, w.scales);
}
