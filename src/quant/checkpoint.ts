// 4-bit weights in checkpoints. NF4 uses bitsandbytes' HF layout (Linear4bit._save_to_state_dict):
//   <name>                                  U8 [⌈n/2⌉, 1]  packed codes
//   <name>.absmax                           F32 [⌈n/bs⌉]   (U8 when double-quantized)
//   <name>.quant_map                        F32 [16]     the NF4 code book
//   <name>.nested_absmax, .nested_quant_map F32          only when double-quantized
//   <name>.quant_state.bitsandbytes__nf4    U8           JSON: quant_type, blocksize, dtype, shape (+ nested_*)
// A length the block size does not divide ends in a partial block, as bitsandbytes' quantize_4bit
// stores it ((n+1)//2 code bytes, ⌈n/bs⌉ absmax; the nested absmax likewise ⌈blocks/256⌉).
// q4 is wgml's own: <name> U8 codes, <name>.scales F16, <name>.quant_state.wgml__q4 (JSON).
import { CheckpointFormatError } from '../errors.js';
import { type Dtype, f16ArrayToF32, f32ToF16 } from '../io/dtype.js';
import type { SafetensorsReader, TensorToWrite } from '../io/safetensors.js';
import { undoNested } from './blockwise8.js';
import { type FourBitLayout, nf4Layout, NF4_CODEBOOK, q4Layout } from './layouts.js';
import type { HostQuantWeight } from './quantize.js';

const STATE_KEYS = ['quant_state.bitsandbytes__nf4', 'quant_state.bitsandbytes__fp4', 'quant_state.wgml__q4'];

/** torch's dtype names as QuantState stores them (`str(dtype).strip("torch.")`). */
const TORCH_DTYPE: Partial<Record<Dtype, string>> = { BF16: 'bfloat16', F16: 'float16', F32: 'float32' };

interface QuantStateJson {
  quant_type?: unknown;
  blocksize?: unknown;
  shape?: unknown;
  nested_blocksize?: unknown;
  nested_offset?: unknown;
}

function fail(name: string, reader: SafetensorsReader, problem: string): never {
  throw new CheckpointFormatError(`${reader.path}: 4-bit weight "${name}": ${problem}`);
}

/** The stored quant_state of `name` (e.g. "model.layers.0.mlp.up_proj.weight"), if it has one. */
function stateKey(reader: SafetensorsReader, name: string): string | undefined {
  return STATE_KEYS.map((k) => `${name}.${k}`).find((k) => reader.has(k));
}

async function readState(reader: SafetensorsReader, name: string, key: string): Promise<QuantStateJson> {
  try {
    const json: unknown = JSON.parse(new TextDecoder().decode(await reader.read(key)));
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) return json as QuantStateJson;
  } catch {
    // reported below
  }
  return fail(name, reader, `${key} does not hold a JSON object`);
}

/** Raw bytes of `<name><suffix>` after checking its dtype and element count. */
async function part(reader: SafetensorsReader, name: string, suffix: string, dtype: Dtype, count: number): Promise<Uint8Array> {
  const key = `${name}${suffix}`;
  if (!reader.has(key)) fail(name, reader, `missing tensor "${key}"`);
  const info = reader.info(key);
  const elements = info.shape.reduce((a, b) => a * b, 1);
  if (info.dtype !== dtype || elements !== count) fail(name, reader, `"${key}" is ${info.dtype} with ${elements} elements; its quant_state implies ${dtype} with ${count}`);
  return reader.read(key);
}

const f32Of = (b: Uint8Array) => new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);

function layoutOf(reader: SafetensorsReader, name: string, state: QuantStateJson): FourBitLayout {
  const { quant_type: type, blocksize } = state;
  if (type !== 'nf4' && type !== 'q4') fail(name, reader, `quant_type ${JSON.stringify(type)} is not supported (nf4 from bitsandbytes, or wgml's q4)`);
  try {
    return type === 'nf4' ? nf4Layout(blocksize as number) : q4Layout(blocksize as number);
  } catch (e) {
    return fail(name, reader, (e as Error).message);
  }
}

async function nf4Scales(reader: SafetensorsReader, name: string, state: QuantStateJson, blocks: number): Promise<Float32Array> {
  const quantMap = f32Of(await part(reader, name, '.quant_map', 'F32', 16));
  if (quantMap.some((v, i) => v !== NF4_CODEBOOK[i])) fail(name, reader, 'quant_map is not the NF4 code book');
  if (state.nested_blocksize === undefined) return Float32Array.from(f32Of(await part(reader, name, '.absmax', 'F32', blocks)));
  const nestedBs = state.nested_blocksize;
  if (!Number.isInteger(nestedBs) || (nestedBs as number) <= 0 || typeof state.nested_offset !== 'number') {
    fail(name, reader, 'nested quant_state needs an integer nested_blocksize and a numeric nested_offset');
  }
  const codes = await part(reader, name, '.absmax', 'U8', blocks);
  const nestedAbsmax = f32Of(await part(reader, name, '.nested_absmax', 'F32', Math.ceil(blocks / (nestedBs as number))));
  const map = f32Of(await part(reader, name, '.nested_quant_map', 'F32', 256));
  return undoNested(codes, nestedAbsmax, map, nestedBs as number, state.nested_offset as number);
}

/**
 * The 4-bit weight `name` with the (out, in) shape the config implies, or null when the
 * checkpoint stores it unquantized. Any disagreement between quant_state and tensors throws a
 * CheckpointFormatError naming the weight.
 */
export async function readQuantWeight(reader: SafetensorsReader, name: string, shape: readonly [number, number]): Promise<HostQuantWeight | null> {
  const key = stateKey(reader, name);
  if (!key) return null;
  const state = await readState(reader, name, key);
  const layout = layoutOf(reader, name, state);
  const stored = state.shape;
  if (!Array.isArray(stored) || stored.length !== 2 || stored[0] !== shape[0] || stored[1] !== shape[1]) {
    fail(name, reader, `quant_state shape ${JSON.stringify(stored)} differs from [${shape.join(', ')}] implied by the config`);
  }
  const n = shape[0] * shape[1];
  if (!reader.has(name)) fail(name, reader, 'missing the packed weight tensor');
  const bytes = Math.ceil(n / 2);
  if (reader.info(name).byteLength !== bytes) fail(name, reader, `packed weight has ${reader.info(name).byteLength} bytes; [${shape.join(', ')}] at 4 bits needs ${bytes}`);
  const codes = await reader.read(name);
  const blocks = Math.ceil(n / layout.blockSize);
  const scales = layout.format === 'nf4'
    ? await nf4Scales(reader, name, state, blocks)
    : f16ArrayToF32(new Uint16Array((await part(reader, name, '.scales', 'F16', blocks)).buffer));
  return { layout, shape, codes, scales };
}

/** The tensors that store `host` under `name`, in bitsandbytes' layout for NF4. */
export function quantWeightTensors(name: string, host: HostQuantWeight, sourceDtype: Dtype): Record<string, TensorToWrite> {
  const { layout, shape, codes, nested } = host;
  const n = shape[0] * shape[1];
  const state: Record<string, unknown> = { quant_type: layout.format, blocksize: layout.blockSize, dtype: TORCH_DTYPE[sourceDtype] ?? 'bfloat16', shape };
  const out: Record<string, TensorToWrite> = { [name]: { dtype: 'U8', shape: [Math.ceil(n / 2), 1], data: codes } };
  const blocks = Math.ceil(n / layout.blockSize);
  if (layout.format === 'q4') {
    out[`${name}.scales`] = { dtype: 'F16', shape: [blocks], data: Uint16Array.from(host.scales, f32ToF16) };
  } else {
    out[`${name}.quant_map`] = { dtype: 'F32', shape: [16], data: Float32Array.from(layout.codebook) };
    if (nested) {
      out[`${name}.absmax`] = { dtype: 'U8', shape: [blocks], data: nested.codes };
      out[`${name}.nested_absmax`] = { dtype: 'F32', shape: [nested.nestedAbsmax.length], data: nested.nestedAbsmax };
      out[`${name}.nested_quant_map`] = { dtype: 'F32', shape: [256], data: nested.nestedQuantMap };
      Object.assign(state, { nested_blocksize: nested.nestedBlocksize, nested_dtype: 'float32', nested_offset: nested.offset });
    } else {
      out[`${name}.absmax`] = { dtype: 'F32', shape: [blocks], data: host.scales };
    }
  }
  // With json.dumps' separators, as bitsandbytes' pack_dict_to_tensor writes it.
  const json = JSON.stringify(state).replace(/,"/g, ', "').replace(/":/g, '": ').replace(/,(\d)/g, ', $1');
  const utf8 = new TextEncoder().encode(json);
  out[`${name}.${layout.fields.quantState}`] = { dtype: 'U8', shape: [utf8.length], data: utf8 };
  return out;
}
