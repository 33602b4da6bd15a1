import { describe, expect, it } from 'vitest';
import { attentionBackward } from '../../src/tensor/ops/attention.js';
import { textureBackwardFits } from '../../src/tensor/ops/attention-texture.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { attentionBackwardRef, attentionRef } from '../../src/cpu/attention.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, testDevice } from '../helpers/gpu.js';
import { checkAttentionBackward } from '../helpers/attention-checks.js';
import type { AttentionCase } from '../helpers/attention-case.js';
import { finiteDiffError } from '../helpers/grad.js';

const device = await testDevice();

type Case = AttentionCase;

/** Every dk and dv entry at a key position s ≥ the row's kvLength is exactly 0 (no query sees it). */
function expectUnseenZero(c: Case, g: Awaited<ReturnType<typeof checkAttentionBackward>>) {
  const row = c.KV * c.D;
  let unseen = 0;
  for (let b = 0; b < c.B; b++) {
    for (let s = g.kvLengthOf(b); s < g.S; s++) {
      const at = (b * g.S + s) * row;
      for (const [name, grad] of [['dk', g.dk], ['dv', g.dv]] as const) {
        const slice = Array.from(grad.subarray(at, at + row));
        expect(slice.every((x) => x === 0), `${name}[b=${b}, s=${s}] ${JSON.stringify(c)}: ${slice.slice(0, 4)}`).toBe(true);
      }
      unseen++;
    }
  }
  expect(unseen).toBeGreaterThan(0);
}

describe('attention reference backward', () => {
  it.each([
    ['causal prefill with grouped kv heads', { B: 1, T: 4, H: 4, KV: 2, D: 3, S: 4 }, {}],
    ['a past in a larger cache', { B: 1, T: 2, H: 2, KV: 1, D: 3, S: 6 }, { pastLength: 3, kvLength: 5 }],
    ['ragged kvLengths', { B: 2, T: 3, H: 2, KV: 1, D: 2, S: 4 }, { kvLengths: Int32Array.from([4, 2]) }],
  ] as const)('matches central finite differences of the reference forward: %s', (_, dims, opts) => {
    const { rng, seed } = freshRng();
    const { B, T, H, KV, D, S } = dims;
    const [qV, kV, vV, dV] = [rng.normals(B * T * H * D), rng.normals(B * S * KV * D), rng.normals(B * S * KV * D), rng.normals(B * T * H * D)];
    const ref = attentionBackwardRef(dV, qV, kV, vV, dims, opts);
    const out = (x: Float32Array, y: Float32Array, z: Float32Array) => attentionRef(x, y, z, dims, opts).out;
    expect(finiteDiffError((x) => out(x, kV, vV), qV, dV, ref.dq, rng), `dq seed ${seed}`).toBeLessThan(1e-3);
    expect(finiteDiffError((x) => out(qV, x, vV), kV, dV, ref.dk, rng), `dk seed ${seed}`).toBeLessThan(1e-3);
    expect(finiteDiffError((x) => out(qV, kV, x), vV, dV, ref.dv, rng), `dv seed ${seed}`).toBeLessThan(1e-3);
  });
});

describe('attentionBackward', () => {
  it.each([
    [2, 2, 4, 4, 16],
    [3, 7, 8, 2, 64],
    [1, 33, 6, 1, 80],
    [1, 129, 4, 2, 16],
  ])('dq, dk, dv match the reference in causal prefill at B=%i T=%i H=%i KV=%i D=%i', async (B, T, H, KV, D) => {
    await checkAttentionBackward(device, { B, T, H, KV, D });
  });

  it.each([1, 64, 65, 128, 129, 256])('takes head_dim %i (each size class of the kernels at its edges)', async (D) => {
    await checkAttentionBackward(device, { B: 2, T: 9, H: 4, KV: 2, D });
  });

  it('handles a chunk after a past in a larger cache', async () => {
    await checkAttentionBackward(device, { B: 2, T: 7, H: 6, KV: 2, D: 64, S: 50, pastLength: 20, kvLength: 27 });
    await checkAttentionBackward(device, { B: 3, T: 1, H: 8, KV: 2, D: 64, S: 256, pastLength: 200, kvLength: 201 });
  });

  it.each([
    ['a chunk after a past', { B: 2, T: 7, H: 6, KV: 2, D: 64, S: 50, pastLength: 20, kvLength: 27 }],
    ['one decode step', { B: 3, T: 1, H: 8, KV: 2, D: 64, S: 256, pastLength: 200, kvLength: 201 }],
    ['ragged kvLengths', { B: 3, T: 4, H: 4, KV: 2, D: 16, S: 8, kvLengths: [6, 0, 2] }],
    ['ragged kvLengths over several key tiles', { B: 3, T: 20, H: 4, KV: 2, D: 32, S: 45, kvLengths: [45, 0, 10] }],
  ] as const)('writes exactly zero into dk and dv at cache positions no query sees: %s', async (_, c) => {
    const cc: Case = { ...c, kvLengths: 'kvLengths' in c ? [...c.kvLengths] : undefined };
    expectUnseenZero(cc, await checkAttentionBackward(device, cc));
  });

  it('gives ragged sequences their own lengths, rows that see no key included', async () => {
    await checkAttentionBackward(device, { B: 3, T: 4, H: 4, KV: 2, D: 16, S: 8, kvLengths: [6, 0, 2] });
  });

  it('applies a custom scale', async () => {
    await checkAttentionBackward(device, { B: 1, T: 13, H: 2, KV: 1, D: 32, scale: 0.7 });
  });

  it.each([
    [2, 17, 4, 1, 24],
    [1, 129, 4, 2, 32],
    [1, 200, 2, 2, 64],
    [1, 33, 8, 1, 64],
  ])('matches the reference over several query and key tiles at B=%i T=%i H=%i KV=%i D=%i', async (B, T, H, KV, D) => {
    await checkAttentionBackward(device, { B, T, H, KV, D });
  });

  it('gives ragged sequences their own lengths over several key tiles', async () => {
    await checkAttentionBackward(device, { B: 3, T: 20, H: 4, KV: 2, D: 32, S: 45, kvLengths: [45, 0, 10] });
  });

  it('handles 33 queries after a past over several key tiles', async () => {
    await checkAttentionBackward(device, { B: 2, T: 33, H: 4, KV: 2, D: 64, S: 100, pastLength: 40, kvLength: 73 });
  });

  it.each(['tiles', 'textures'] as const)('backward kernels %s match the reference: GQA, head_dim 64/128/256, ragged, after a past', async (backward) => {
    await checkAttentionBackward(device, { B: 2, T: 200, H: 8, KV: 2, D: 64, backward });
    await checkAttentionBackward(device, { B: 1, T: 70, H: 4, KV: 2, D: 128, backward });
    await checkAttentionBackward(device, { B: 1, T: 17, H: 2, KV: 1, D: 256, backward });
    await checkAttentionBackward(device, { B: 2, T: 33, H: 4, KV: 2, D: 64, S: 100, pastLength: 40, kvLength: 73, backward });
    const ragged: Case = { B: 3, T: 20, H: 4, KV: 2, D: 64, S: 45, kvLengths: [45, 0, 10], backward };
    expectUnseenZero(ragged, await checkAttentionBackward(device, ragged));
  });

  it('backward kernels textures take heads of whole 64-float rows and rows a thread may visit', () => {
    const dims = (T: number, D: number) => ({ B: 1, T, H: 8, KV: 1, D, S: T });
    const q = (T: number, D: number) => Tensor.empty(device, [1, T, 8, D]);
    const k = (T: number, D: number) => Tensor.empty(device, [1, T, 1, D]);
    expect(textureBackwardFits(q(256, 64), k(256, 64), dims(256, 64))).toBe(true);
    expect(textureBackwardFits(q(256, 32), k(256, 32), dims(256, 32))).toBe(false);
    expect(textureBackwardFits(q(8192, 64), k(8192, 64), dims(8192, 64))).toBe(false); // 8 query heads × 8192 queries per key thread
  });

  it('throws naming both shapes when dOut does not match q', () => {
    const q = Tensor.empty(device, [1, 3, 4, 16]);
    const k = Tensor.empty(device, [1, 3, 2, 16]);
    const saved = { out: q, lse: Tensor.empty(device, [1, 4, 3]) };
    expect(() => attentionBackward(Tensor.empty(device, [1, 3, 4, 8]), q, k, k, saved)).toThrow(ShapeMismatchError);
    expect(() => attentionBackward(Tensor.empty(device, [1, 3, 4, 8]), q, k, k, saved)).toThrow(/\(1,3,4,8\).*\(1,3,4,16\)/);
  });
});
