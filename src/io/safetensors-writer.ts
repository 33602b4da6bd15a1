// safetensors bytes as `safetensors.torch.save_file` writes them, platform-free (writeSafetensors
// in safetensors.ts puts them in a file; the browser offers them as a download).

import { CheckpointFormatError } from '../errors.js';
import { DTYPE_BITS, type Dtype, dtypeByteLength, f32ArrayToBf16, f32ArrayToF16 } from './dtype.js';

/** Typed arrays are written as their raw bytes; a Float32Array for an F16/BF16 tensor is rounded to it. */
export type TensorData = Uint8Array | Int8Array | Uint16Array | Int32Array | Uint32Array | Float32Array | BigInt64Array;

export interface TensorToWrite {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

// The reference writer orders by dtype alignment (largest first), then by name, so every
// tensor starts aligned to its element size. DTYPE_BITS lists its Dtype enum in order.
const ALIGNMENT_ORDER = Object.keys(DTYPE_BITS) as Dtype[];

/**
 * The bytes of a safetensors file in the layout `safetensors.torch.save_file` produces (same
 * order, same header JSON, header padded with spaces to a multiple of 8), as chunks to write in
 * turn; `path` names the file in errors.
 */
export function encodeSafetensors(
  path: string,
  tensors: Readonly<Record<string, TensorToWrite>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array[] {
  const names = Object.keys(tensors).sort((a, b) => compareForLayout(a, tensors[a], b, tensors[b]));
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const { dtype, shape } = tensors[name];
    const bytes = tensorBytes(path, name, tensors[name]);
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const headerBytes = paddedHeader(header);
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  return [length, headerBytes, ...chunks];
}

function compareForLayout(nameA: string, a: TensorToWrite, nameB: string, b: TensorToWrite): number {
  const byAlignment = ALIGNMENT_ORDER.indexOf(b.dtype) - ALIGNMENT_ORDER.indexOf(a.dtype);
  // Rust compares names by bytes; for the ASCII names of checkpoints that is code-unit order.
  return byAlignment !== 0 ? byAlignment : nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
}

function tensorBytes(path: string, name: string, tensor: TensorToWrite): Uint8Array {
  const { dtype, shape } = tensor;
  if (name === '__metadata__') throw new CheckpointFormatError(`${path}: "__metadata__" is reserved and cannot name a tensor`);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new CheckpointFormatError(`${path}: tensor "${name}": shape [${shape.join(', ')}] is not a list of non-negative integers`);
  }
  const data = asStored(dtype, tensor.data);
  const expected = dtypeByteLength(dtype, BigInt(shape.reduce((a, b) => a * b, 1)));
  if (expected === undefined || BigInt(data.byteLength) !== expected) {
    throw new CheckpointFormatError(
      `${path}: tensor "${name}": ${dtype} × shape [${shape.join(', ')}] needs ${expected ?? 'a whole number of'} bytes but its data has ${data.byteLength}`,
    );
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function asStored(dtype: Dtype, data: TensorData): TensorData {
  if (!(data instanceof Float32Array)) return data;
  if (dtype === 'BF16') return f32ArrayToBf16(data);
  if (dtype === 'F16') return f32ArrayToF16(data);
  return data;
}

function paddedHeader(header: Record<string, unknown>): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = new Uint8Array(json.byteLength + ((8 - (json.byteLength % 8)) % 8)).fill(0x20);
  padded.set(json);
  return padded;
}
