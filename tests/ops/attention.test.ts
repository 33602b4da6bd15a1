import { describe, expect, it } from 'vitest';
import { attention } from '../../src/tensor/ops/attention.js';
import { texturePrefillFits } from '../../src/tensor/ops/attention-texture.js';
import { writeKv } from '../../src/tensor/ops/kv-cache.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { writeKvRef } from '../../src/cpu/kv-cache.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { checkAttention } from '../helpers/attention-checks.js';

const device = await testDevice();
/** Splits a (1,64,2,16) f32 cache into two chunks. */
const small = await testDevice({ maxBindingBytes: 4096 });

/** Rows [t0, t0+n) of a (B,T,...) array laid out with `inner` values per (b,t). */
function rows(x: Float32Array, B: number, T: number, inner: number, t0: number, n: number): Float32Array {
  const out = new Float32Array(B * n * inner);
  for (let b = 0; b < B; b++) out.set(x.subarray((b * T + t0) * inner, (b * T + t0 + n) * inner), b * n * inner);
  return out;
}

describe('attention', () => {
  it.each([
    [1, 1, 4, 4, 16],
    [3, 7, 8, 2, 64],
    [1, 33, 6, 1, 80],
    [3, 33, 8, 2, 16],
    [1, 129, 8, 2, 64],
    [3, 129, 6, 1, 80],
    [1, 129, 4, 4, 16],
  ])('prefill matches the reference at B=%i T=%i H=%i KV=%i D=%i', async (B, T, H, KV, D) => {
    await checkAttention(device, { B, T, H, KV, D });
  });

  it.each([1, 100, 256])('takes head_dim %i, up to the 256 limit', async (D) => {
    await checkAttention(device, { B: 2, T: 9, H: 4, KV: 2, D });
  });

  it('prefills a chunk after a past into a larger cache', async () => {
    await checkAttention(device, { B: 2, T: 7, H: 6, KV: 2, D: 64, S: 50, pastLength: 20, kvLength: 27 });
  });

  it.each([0, 5, 200])('decodes one token against a cache with pastLength %i', async (pastLength) => {
    await checkAttention(device, { B: 3, T: 1, H: 8, KV: 2, D: 64, S: 256, pastLength, kvLength: pastLength + 1 });
  });

  it('decodes against a long cache', async () => {
    await checkAttention(device, { B: 1, T: 1, H: 4, KV: 1, D: 128, S: 5000, pastLength: 4999 });
  });

  it('decodes against a long cache without S-sized buffers: pool growth is the output and lse alone', async () => {
    const [H, KV, D] = [4, 1, 128];
    const growth: number[] = [];
    for (const S of [500, 5000]) {
      const { rng } = freshRng();
      const q = Tensor.from(device, rng.normals(H * D), [1, 1, H, D]);
      const k = Tensor.from(device, rng.normals(S * KV * D), [1, S, KV, D]);
      const v = Tensor.from(device, rng.normals(S * KV * D), [1, S, KV, D]);
      await device.sync();
      const live = device.pool.stats.liveBytes;
      device.pool.resetPeak();
      const { out, lse } = attention(q, k, v, { pastLength: S - 1, kvLength: S });
      await device.sync();
      growth.push(device.pool.stats.peakBytes - live);
      for (const t of [q, k, v, out, lse]) t.dispose();
    }
    // out (1,1,H,D) f32 and lse (1,H,1) f32, each rounded up to the pool's 256-byte buckets.
    const outputs = Math.ceil((H * D * 4) / 256) * 256 + 256;
    expect(growth, 'pool peak growth at S = 500 and 5000').toEqual([outputs, outputs]);
  });

  it('applies a custom scale', async () => {
    await checkAttention(device, { B: 1, T: 13, H: 2, KV: 1, D: 32, scale: 0.7 });
  });

  it('gives ragged sequences their own lengths; rows that see no key output zeros', async () => {
    await checkAttention(device, { B: 3, T: 4, H: 4, KV: 2, D: 16, S: 8, kvLengths: [6, 0, 2] });
  });

  it('decodes a ragged batch with per-sequence kvLengths', async () => {
    await checkAttention(device, { B: 3, T: 1, H: 6, KV: 3, D: 80, S: 256, kvLengths: [1, 70, 200] });
  });

  it('decoding step by step after a prefill equals one full prefill', async () => {
    const { rng, seed } = freshRng();
    const [B, T, H, KV, D, S, P] = [2, 20, 8, 2, 64, 32, 13];
    const [qV, kV, vV] = [rng.normals(B * T * H * D, 2), rng.normals(B * T * KV * D), rng.normals(B * T * KV * D)];
    const upload = (x: Float32Array, heads: number) => Tensor.from(device, x, [B, x.length / (B * heads * D), heads, D]);
    const full = await attention(upload(qV, H), upload(kV, KV), upload(vV, KV)).out.readFloat();
    const zeros = new Float32Array(B * S * KV * D);
    const [kc, vc] = [Tensor.from(device, zeros, [B, S, KV, D]), Tensor.from(device, zeros, [B, S, KV, D])];
    for (let t0 = 0; t0 < T; t0 += t0 === 0 ? P : 1) {
      const n = t0 === 0 ? P : 1;
      writeKv(kc, upload(rows(kV, B, T, KV * D, t0, n), KV), t0);
      writeKv(vc, upload(rows(vV, B, T, KV * D, t0, n), KV), t0);
      const q = upload(rows(qV, B, T, H * D, t0, n), H);
      const got = await attention(q, kc, vc, { pastLength: t0, kvLength: t0 + n }).out.read();
      expect(relError(got, rows(full, B, T, H * D, t0, n)), `seed ${seed} step at ${t0}`).toBeLessThan(1e-5);
    }
  });

  it.each([
    [2, 17, 4, 4, 24],
    [1, 129, 8, 2, 32],
    [2, 200, 8, 2, 64],
    [1, 200, 4, 1, 24],
    [1, 17, 2, 1, 256],
  ])('prefill of T ≥ PREFILL_MIN_T (a thread per query) matches the reference at B=%i T=%i H=%i KV=%i D=%i', async (B, T, H, KV, D) => {
    await checkAttention(device, { B, T, H, KV, D });
  });

  it('prefills T ≥ PREFILL_MIN_T ragged sequences, rows before a sequence’s start output zeros', async () => {
    await checkAttention(device, { B: 3, T: 20, H: 4, KV: 2, D: 32, S: 45, kvLengths: [45, 0, 10] });
  });

  it('prefills T ≥ PREFILL_MIN_T queries after a past in a larger cache', async () => {
    await checkAttention(device, { B: 2, T: 33, H: 4, KV: 2, D: 64, S: 100, pastLength: 40, kvLength: 73 });
  });

  it.each(['tiles', 'textures'] as const)('prefill kernel %s matches the reference: GQA, head_dim 64/128/256, ragged, after a past', async (prefill) => {
    await checkAttention(device, { B: 2, T: 200, H: 8, KV: 2, D: 64, prefill });
    await checkAttention(device, { B: 1, T: 129, H: 4, KV: 2, D: 128, prefill });
    await checkAttention(device, { B: 1, T: 17, H: 2, KV: 1, D: 256, prefill });
    await checkAttention(device, { B: 3, T: 20, H: 4, KV: 2, D: 64, S: 45, kvLengths: [45, 0, 10], prefill });
    await checkAttention(device, { B: 2, T: 33, H: 4, KV: 2, D: 64, S: 100, pastLength: 40, kvLength: 73, prefill });
  });

  it('prefill kernel textures takes heads of whole 64-float rows and caches within its copy budget', () => {
    const [k64, k32, big] = [Tensor.empty(device, [2, 100, 2, 64]), Tensor.empty(device, [2, 100, 2, 32]), Tensor.empty(device, [1, 9000, 8, 64])];
    expect(texturePrefillFits(k64, k64, 64)).toBe(true);
    expect(texturePrefillFits(k32, k32, 32)).toBe(false);
    expect(texturePrefillFits(big, big, 64)).toBe(false); // 18 MiB: a serving cache stays with the tiles
    for (const t of [k64, k32, big]) t.dispose();
  });

  it('throws naming both shapes when H is not a multiple of KV', () => {
    const q = Tensor.empty(device, [1, 3, 6, 16]);
    const k = Tensor.empty(device, [1, 3, 4, 16]);
    expect(() => attention(q, k, k)).toThrow(ShapeMismatchError);
    expect(() => attention(q, k, k)).toThrow(/\(1,3,6,16\).*\(1,3,4,16\)/);
  });

  it('throws naming both shapes when q and k differ in head_dim', () => {
    const q = Tensor.empty(device, [1, 3, 4, 16]);
    const k = Tensor.empty(device, [1, 3, 2, 32]);
    expect(() => attention(q, k, k)).toThrow(ShapeMismatchError);
    expect(() => attention(q, k, k)).toThrow(/\(1,3,4,16\).*\(1,3,2,32\)/);
  });

  it('throws when the lengths do not fit the cache', () => {
    const q = Tensor.empty(device, [1, 2, 4, 16]);
    const k = Tensor.empty(device, [1, 8, 2, 16]);
    expect(() => attention(q, k, k, { pastLength: 7 })).toThrow(ShapeMismatchError);
    expect(() => attention(q, k, k, { kvLengths: Tensor.from(device, [1, 2], [2], 'i32') })).toThrow(/\(2\)/);
  });
});

describe('attention on a small-binding device', () => {
  it('rejects a cache split across bindings before dispatching', () => {
    const q = Tensor.empty(small, [1, 1, 4, 16]);
    const k = Tensor.empty(small, [1, 64, 2, 16]);
    const before = small.recorder.dispatches;
    expect(() => attention(q, k, k)).toThrow(ShapeMismatchError);
    expect(small.recorder.dispatches).toBe(before);
  });
});

describe('writeKv', () => {
  async function checkWrite(offsets: number[] | number) {
    const { rng, seed } = freshRng();
    const [B, T, S, KV, D] = [3, 4, 10, 2, 5];
    const cacheV = rng.normals(B * S * KV * D);
    const xV = rng.normals(B * T * KV * D);
    const cache = Tensor.from(device, cacheV, [B, S, KV, D]);
    const off = typeof offsets === 'number' ? offsets : Tensor.from(device, offsets, [B], 'i32');
    writeKv(cache, Tensor.from(device, xV, [B, T, KV, D]), off);
    const want = writeKvRef(cacheV, xV, { B, T, S, KV, D }, typeof offsets === 'number' ? [offsets, offsets, offsets] : offsets);
    expect(Array.from(await cache.read()), `seed ${seed}`).toEqual(Array.from(want));
  }

  it('places each sequence’s rows at its own offset', async () => {
    await checkWrite([0, 6, 3]);
  });

  it('places every sequence’s rows at one shared offset', async () => {
    await checkWrite(5);
  });

  it('drops rows that would land outside the cache', async () => {
    await checkWrite([8, -2, 9]);
  });

  it('throws naming both shapes when x does not match the cache', () => {
    const cache = Tensor.empty(device, [1, 8, 2, 16]);
    const x = Tensor.empty(device, [1, 1, 4, 16]);
    expect(() => writeKv(cache, x, 0)).toThrow(/\(1,8,2,16\).*\(1,1,4,16\)/);
    expect(() => writeKv(cache, Tensor.empty(device, [1, 3, 2, 16]), 6)).toThrow(ShapeMismatchError);
  });
});
