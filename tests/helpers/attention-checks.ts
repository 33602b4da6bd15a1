// Attention against the CPU reference on fresh random inputs, on the device a test file passes: the
// same checks run on llvmpipe (tests/ops) and on SwiftShader's Vulkan (tests/vulkan).
import { expect } from 'vitest';
import { attentionBackwardRef, attentionRef, type AttentionRefOptions } from '../../src/cpu/attention.js';
import type { Rng } from '../../src/cpu/random.js';
import type { Device } from '../../src/gpu/device.js';
import { attention, attentionBackward, EMPTY_ROW_LSE } from '../../src/tensor/ops/attention.js';
import type { AttentionDecodeVariant } from '../../src/tensor/ops/attention-decode.js';
import { Tensor } from '../../src/tensor/tensor.js';
import type { AttentionCase } from './attention-case.js';
import { freshRng, relError } from './gpu.js';

/** Cache values; positions at or past each sequence's length hold 1e4, so any key leaking past the mask shows. */
function cacheValues(rng: Rng, c: AttentionCase, S: number, lengths: number[]): Float32Array {
  const row = c.KV * c.D;
  const values = rng.normals(c.B * S * row);
  for (let b = 0; b < c.B; b++) values.fill(1e4, (b * S + Math.max(0, lengths[b]!)) * row, (b + 1) * S * row);
  return values;
}

/** Rows that see no key must hold EMPTY_ROW_LSE; the rest match the reference. */
function lseError(got: Float32Array, ref: Float32Array, msg: string): number {
  const seen: number[] = [];
  const refSeen: number[] = [];
  ref.forEach((r, i) => {
    if (r === -Infinity) {
      expect(got[i], `${msg} empty row ${i}`).toBe(EMPTY_ROW_LSE);
    } else {
      seen.push(got[i]!);
      refSeen.push(r);
    }
  });
  return relError(seen, refSeen);
}

/** attention (the kernel it picks for the case) with out and lse within 1e-5 of the reference. */
export async function checkAttention(device: Device, c: AttentionCase): Promise<void> {
  const { rng, seed } = freshRng();
  const kvLength = c.kvLength ?? (c.pastLength ?? 0) + c.T;
  const S = c.S ?? kvLength;
  const lengths = c.kvLengths ?? new Array<number>(c.B).fill(kvLength);
  const qV = rng.normals(c.B * c.T * c.H * c.D, 2);
  const kV = cacheValues(rng, c, S, lengths);
  const vV = cacheValues(rng, c, S, lengths);
  const q = Tensor.from(device, qV, [c.B, c.T, c.H, c.D]);
  const k = Tensor.from(device, kV, [c.B, S, c.KV, c.D]);
  const v = Tensor.from(device, vV, [c.B, S, c.KV, c.D]);
  const kvLengths = c.kvLengths && Tensor.from(device, c.kvLengths, [c.B], 'i32');
  const lens = kvLengths ? { kvLengths } : { pastLength: c.pastLength ?? 0, kvLength };
  const { out, lse } = attention(q, k, v, { ...lens, scale: c.scale, prefill: c.prefill });
  const refLens = c.kvLengths ? { kvLengths: Int32Array.from(c.kvLengths) } : { pastLength: c.pastLength ?? 0, kvLength };
  const ref = attentionRef(qV, kV, vV, { ...c, S }, { ...refLens, scale: c.scale });
  const msg = `seed ${seed} ${JSON.stringify(c)}`;
  expect(relError(await out.read(), ref.out), msg).toBeLessThan(1e-5);
  expect(lseError(await lse.readFloat(), ref.lse, msg), msg).toBeLessThan(1e-5);
  for (const t of [q, k, v, kvLengths, out, lse]) t?.dispose();
}

export interface DecodeCase {
  T: number;
  H: number;
  KV: number;
  D: number;
  /** Each sequence's cache length; sequence b lives in cache slot slots[b]. */
  lengths: number[];
  slots: number[];
}

/** Rows `slots` of a (slots,S,row) cache, gathered into a (B,S,row) batch for the reference. */
function gather(cache: Float32Array, slots: readonly number[], S: number, row: number): Float32Array {
  const out = new Float32Array(slots.length * S * row);
  slots.forEach((s, b) => out.set(cache.subarray(s * S * row, (s + 1) * S * row), b * S * row));
  return out;
}

/** Relative errors of out and lse of `variant` against attentionRef on fresh inputs; positions past a length hold 1e4 so leaks show. */
export async function decodeVariantErrors(device: Device, variant: AttentionDecodeVariant, c: DecodeCase): Promise<{ out: number; lse: number; seed: number }> {
  const { rng, seed } = freshRng();
  const B = c.lengths.length;
  const S = Math.max(...c.lengths) + 3;
  const slotCount = Math.max(...c.slots) + 1;
  const row = c.KV * c.D;
  const qV = rng.normals(B * c.T * c.H * c.D, 2);
  const cache = () => {
    const values = rng.normals(slotCount * S * row);
    c.slots.forEach((s, b) => values.fill(1e4, (s * S + c.lengths[b]!) * row, (s + 1) * S * row));
    return values;
  };
  const [kV, vV] = [cache(), cache()];
  const q = Tensor.from(device, qV, [B, c.T, c.H, c.D]);
  const k = Tensor.from(device, kV, [slotCount, S, c.KV, c.D]);
  const v = Tensor.from(device, vV, [slotCount, S, c.KV, c.D]);
  const kvLengths = Tensor.from(device, [...c.lengths, ...c.slots], [2, B], 'i32');
  const res = attention(q, k, v, { kvLengths, decode: variant });
  const dims = { B, T: c.T, H: c.H, KV: c.KV, D: c.D, S };
  const ref = attentionRef(qV, gather(kV, c.slots, S, row), gather(vV, c.slots, S, row), dims, { kvLengths: Int32Array.from(c.lengths) });
  const got = { out: relError(await res.out.read(), ref.out), lse: relError(await res.lse.readFloat(), ref.lse), seed };
  for (const t of [q, k, v, kvLengths, res.out, res.lse]) t.dispose();
  return got;
}

/** attentionBackward's dq, dk, dv within 1e-5 of the reference (pool buffers left NaN-filled, so unwritten rows show); returns them. */
export async function checkAttentionBackward(device: Device, c: AttentionCase) {
  const { rng, seed } = freshRng();
  const kvLength = c.kvLength ?? (c.pastLength ?? 0) + c.T;
  const S = c.S ?? kvLength;
  const [qV, kV, vV, dV] = [rng.normals(c.B * c.T * c.H * c.D, 2), rng.normals(c.B * S * c.KV * c.D), rng.normals(c.B * S * c.KV * c.D), rng.normals(c.B * c.T * c.H * c.D)];
  const q = Tensor.from(device, qV, [c.B, c.T, c.H, c.D]);
  const k = Tensor.from(device, kV, [c.B, S, c.KV, c.D]);
  const v = Tensor.from(device, vV, [c.B, S, c.KV, c.D]);
  const dOut = Tensor.from(device, dV, [c.B, c.T, c.H, c.D]);
  const kvLengths = c.kvLengths && Tensor.from(device, c.kvLengths, [c.B], 'i32');
  // Leave NaN-filled buffers of dk's size in the pool, so rows the backward forgets to write show.
  const dirty = Array.from({ length: 4 }, () => Tensor.from(device, new Float32Array(kV.length).fill(NaN), [kV.length]));
  for (const t of dirty) t.dispose();
  const opts = { ...(kvLengths ? { kvLengths } : { pastLength: c.pastLength ?? 0, kvLength }), scale: c.scale, backward: c.backward };
  const fwd = attention(q, k, v, opts);
  const g = attentionBackward(dOut, q, k, v, fwd, opts);
  const refOpts: AttentionRefOptions = c.kvLengths ? { kvLengths: Int32Array.from(c.kvLengths), scale: c.scale } : { pastLength: c.pastLength ?? 0, kvLength, scale: c.scale };
  const ref = attentionBackwardRef(dV, qV, kV, vV, { ...c, S }, refOpts);
  const what = `seed ${seed} ${JSON.stringify(c)}`;
  const got = { dq: await g.dq.read(), dk: await g.dk.read(), dv: await g.dv.read() };
  const errs = { dq: relError(got.dq, ref.dq), dk: relError(got.dk, ref.dk), dv: relError(got.dv, ref.dv) };
  console.log(`attentionBackward ${what}: relative error dq ${errs.dq.toExponential(2)}, dk ${errs.dk.toExponential(2)}, dv ${errs.dv.toExponential(2)}`);
  for (const [name, err] of Object.entries(errs)) expect(err, `${name} ${what}`).toBeLessThan(1e-5);
  for (const t of [q, k, v, dOut, kvLengths, fwd.out, fwd.lse, g.dq, g.dk, g.dv]) t?.dispose();
  return { ...got, S, kvLengthOf: (b: number) => c.kvLengths?.[b] ?? kvLength };
}
