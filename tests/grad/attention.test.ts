import { describe, expect, it } from 'vitest';
import { attention, attentionBackward } from '../../src/tensor/ops/attention.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { attentionBackwardRef, attentionRef, type AttentionRefOptions } from '../../src/cpu/attention.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import type { AttentionCase } from '../helpers/attention-case.js';
import { finiteDiffError } from '../helpers/grad.js';

const device = await testDevice();

type Case = AttentionCase;

async function check(c: Case) {
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
  const opts = { ...(kvLengths ? { kvLengths } : { pastLength: c.pastLength ?? 0, kvLength }), scale: c.scale };
  const fwd = attention(q, k, v, opts);
  const g = attentionBackward(dOut, q, k, v, fwd, opts);
  const refOpts: AttentionRefOptions = c.kvLengths ? { kvLengths: Int32Array.from(c.kvLengths), scale: c.scale } : { pastLength: c.pastLength ?? 0, kvLength, scale: c.scale };
  const ref = attentionBackwardRef(dV, qV, kV, vV, { ...c, S }, refOpts);
  const what = `seed ${seed} ${JSON.stringify(c)}`;
  const got = { dq: await g.dq.read(), dk: await g.dk.read(), dv: await g.dv.read() };
  const errs = { dq: relError(got.dq, ref.dq), dk: relError(got.dk, ref.dk), dv: relError(got.dv, ref.dv) };
  for (const [name, err] of Object.entries(errs)) expect(err, `${name} ${what}`).toBeLessThan(1e-5);
  for (const t of [q, k, v, dOut, kvLengths, fwd.out, fwd.lse, g.dq, g.dk, g.dv]) t?.dispose();
  return { ...got, S, kvLengthOf: (b: number) => c.kvLengths?.[b] ?? kvLength };
}

/** Every dk and dv entry at a key position s ≥ the row's kvLength is exactly 0 (no query sees it). */
function expectUnseenZero(c: Case, g: Awaited<ReturnType<typeof check>>) {
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
    await check({ B, T, H, KV, D });
  });

  it.each([1, 256])('takes head_dim %i', async (D) => {
    await check({ B: 2, T: 9, H: 4, KV: 2, D });
  });

  it('handles a chunk after a past in a larger cache', async () => {
    await check({ B: 2, T: 7, H: 6, KV: 2, D: 64, S: 50, pastLength: 20, kvLength: 27 });
    await check({ B: 3, T: 1, H: 8, KV: 2, D: 64, S: 256, pastLength: 200, kvLength: 201 });
  });

  it.each([
    ['a chunk after a past', { B: 2, T: 7, H: 6, KV: 2, D: 64, S: 50, pastLength: 20, kvLength: 27 }],
    ['one decode step', { B: 3, T: 1, H: 8, KV: 2, D: 64, S: 256, pastLength: 200, kvLength: 201 }],
    ['ragged kvLengths', { B: 3, T: 4, H: 4, KV: 2, D: 16, S: 8, kvLengths: [6, 0, 2] }],
    ['ragged kvLengths over several key tiles', { B: 3, T: 20, H: 4, KV: 2, D: 32, S: 45, kvLengths: [45, 0, 10] }],
  ] as const)('writes exactly zero into dk and dv at cache positions no query sees: %s', async (_, c) => {
    const cc: Case = { ...c, kvLengths: 'kvLengths' in c ? [...c.kvLengths] : undefined };
    expectUnseenZero(cc, await check(cc));
  });

  it('gives ragged sequences their own lengths, rows that see no key included', async () => {
    await check({ B: 3, T: 4, H: 4, KV: 2, D: 16, S: 8, kvLengths: [6, 0, 2] });
  });

  it('applies a custom scale', async () => {
    await check({ B: 1, T: 13, H: 2, KV: 1, D: 32, scale: 0.7 });
  });

  it.each([
    [2, 17, 4, 1, 24],
    [1, 129, 4, 2, 32],
    [1, 200, 2, 2, 64],
    [1, 33, 8, 1, 64],
  ])('matches the reference over several query and key tiles at B=%i T=%i H=%i KV=%i D=%i', async (B, T, H, KV, D) => {
    await check({ B, T, H, KV, D });
  });

  it('gives ragged sequences their own lengths over several key tiles', async () => {
    await check({ B: 3, T: 20, H: 4, KV: 2, D: 32, S: 45, kvLengths: [45, 0, 10] });
  });

  it('handles 33 queries after a past over several key tiles', async () => {
    await check({ B: 2, T: 33, H: 4, KV: 2, D: 64, S: 100, pastLength: 40, kvLength: 73 });
  });

  it('throws naming both shapes when dOut does not match q', () => {
    const q = Tensor.empty(device, [1, 3, 4, 16]);
    const k = Tensor.empty(device, [1, 3, 2, 16]);
    const saved = { out: q, lse: Tensor.empty(device, [1, 4, 3]) };
    expect(() => attentionBackward(Tensor.empty(device, [1, 3, 4, 8]), q, k, k, saved)).toThrow(ShapeMismatchError);
    expect(() => attentionBackward(Tensor.empty(device, [1, 3, 4, 8]), q, k, k, saved)).toThrow(/\(1,3,4,8\).*\(1,3,4,16\)/);
  });
});
