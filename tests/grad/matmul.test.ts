import { describe, expect, it } from 'vitest';
import { matmulBackward } from '../../src/tensor/ops/matmul.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { matmulBackwardRef, matmulRef } from '../../src/cpu/matmul.js';
import { roundTo } from '../../src/tensor/half.js';
import type { Device } from '../../src/gpu/device.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { finiteDiffError } from '../helpers/grad.js';

const device = await testDevice();
/** 4 KiB bindings: a (301,24) head splits into 3 (bf16) or 11 (f32) chunks, (37,301) logits into 10. */
const small = await testDevice({ maxBindingBytes: 4096 });

interface Case {
  M: number;
  K: number;
  N: number;
  batch?: number;
  transB?: boolean;
  bBatched?: boolean;
  dtype?: 'f32' | 'bf16';
  /** Asks for no dB although B is f32 (a frozen f32 weight). */
  frozen?: boolean;
}

async function check(dev: Device, c: Case, tol = 1e-5) {
  const { rng, seed } = freshRng();
  const batch = c.batch ?? 1;
  const lead = batch > 1 ? [batch] : [];
  const bDims = c.transB ? [c.N, c.K] : [c.K, c.N];
  const [aV, bV, dV] = [rng.normals(batch * c.M * c.K), rng.normals((c.bBatched ? batch : 1) * c.K * c.N), rng.normals(batch * c.M * c.N)];
  const a = Tensor.from(dev, aV, [...lead, c.M, c.K]);
  const b = Tensor.from(dev, bV, [...(c.bBatched ? lead : []), ...bDims], c.dtype ?? 'f32');
  const dC = Tensor.from(dev, dV, [...lead, c.M, c.N]);
  const g = matmulBackward(dC, a, b, { transB: c.transB, biasGrad: true, ...(c.frozen ? { weightGrad: false } : {}) });
  const ref = matmulBackwardRef(dV, aV, c.dtype === 'bf16' ? roundTo(bV, 'bf16') : bV, { ...c, batch });
  const what = `seed ${seed} ${JSON.stringify(c)}`;
  // dB is owed for every trainable weight: an f32 B not marked frozen. A bf16 B is frozen by its dtype.
  const trainable = (c.dtype ?? 'f32') === 'f32' && !c.frozen;
  expect(g.dA, `dA ${what}`).toBeDefined();
  expect(g.dBias, `dBias ${what}`).toBeDefined();
  if (trainable) expect(g.dB, `dB ${what}`).toBeDefined();
  else expect(g.dB, `dB of a frozen weight ${what}`).toBeUndefined();
  const errs = {
    dA: relError(await g.dA!.read(), ref.dA),
    ...(trainable ? { dB: relError(await g.dB!.read(), ref.dB) } : {}),
    dBias: relError(await g.dBias!.read(), ref.dBias),
  };
  for (const [name, err] of Object.entries(errs)) expect(err, `${name} ${what}`).toBeLessThan(tol);
  const chunks = { b: b.chunks.length, dC: dC.chunks.length };
  for (const t of [a, b, dC, g.dA, g.dB, g.dBias]) t?.dispose();
  return { errs, chunks, hasDB: g.dB !== undefined };
}

describe('matmul reference backward', () => {
  it.each([false, true])('matches central finite differences of the reference forward (transB %s)', (transB) => {
    const { rng, seed } = freshRng();
    const [batch, M, K, N] = [2, 3, 4, 5];
    const dims = { batch, M, K, N, transB };
    const [aV, bV, biasV, dV] = [rng.normals(batch * M * K), rng.normals(K * N), rng.normals(N), rng.normals(batch * M * N)];
    const ref = matmulBackwardRef(dV, aV, bV, dims);
    const f = (av: Float32Array, bv: Float32Array, bias: Float32Array) => matmulRef(av, bv, dims, bias);
    expect(finiteDiffError((x) => f(x, bV, biasV), aV, dV, ref.dA, rng), `dA seed ${seed}`).toBeLessThan(1e-4);
    expect(finiteDiffError((x) => f(aV, x, biasV), bV, dV, ref.dB, rng), `dB seed ${seed}`).toBeLessThan(1e-4);
    expect(finiteDiffError((x) => f(aV, bV, x), biasV, dV, ref.dBias, rng), `dBias seed ${seed}`).toBeLessThan(1e-4);
  });
});

describe('matmulBackward', () => {
  it.each([
    [1, 1, 1],
    [7, 129, 33],
    [129, 7, 300],
    [100, 257, 65],
  ])('dA, dB and dBias of A·B match the reference at %i×%i×%i', async (M, K, N) => {
    await check(device, { M, K, N });
  });

  it.each([
    [7, 129, 33],
    [130, 96, 71],
  ])('dA, dB and dBias of A·Bᵀ match the reference at %i×%i×%i', async (M, K, N) => {
    await check(device, { M, K, N, transB: true });
  });

  it('gives each batch its own dB, and a shared B the sum over the batch', async () => {
    await check(device, { M: 13, K: 21, N: 19, batch: 3, bBatched: true });
    await check(device, { M: 13, K: 21, N: 19, batch: 3, bBatched: true, transB: true });
    await check(device, { M: 13, K: 21, N: 19, batch: 3 });
    await check(device, { M: 13, K: 21, N: 19, batch: 3, transB: true });
  });

  it('computes only dA through a frozen bf16 weight', async () => {
    expect((await check(device, { M: 33, K: 70, N: 45, transB: true, dtype: 'bf16' })).hasDB).toBe(false);
  });

  it('computes no dB through an f32 weight marked frozen (weightGrad: false)', async () => {
    expect((await check(device, { M: 9, K: 17, N: 11, transB: true, frozen: true })).hasDB).toBe(false);
  });

  it('runs through a chunked LM head and chunked logit gradients', async () => {
    const bf16 = await check(small, { M: 37, K: 24, N: 301, transB: true, dtype: 'bf16' });
    expect(bf16.chunks.b).toBeGreaterThan(2);
    expect(bf16.chunks.dC).toBeGreaterThan(2);
    expect((await check(small, { M: 37, K: 24, N: 301, transB: true })).chunks.b).toBeGreaterThan(2);
    await check(small, { M: 37, K: 301, N: 24 });
  });

  it('adds into given gradient tensors', async () => {
    const { rng, seed } = freshRng();
    const [M, K, N] = [9, 17, 11];
    const [aV, bV, dV, dA0, dB0] = [rng.normals(M * K), rng.normals(N * K), rng.normals(M * N), rng.normals(M * K), rng.normals(N * K)];
    const into = { dA: Tensor.from(device, dA0, [M, K]), dB: Tensor.from(device, dB0, [N, K]) };
    const g = matmulBackward(Tensor.from(device, dV, [M, N]), Tensor.from(device, aV, [M, K]), Tensor.from(device, bV, [N, K]), { transB: true, into });
    expect(g.dA).toBe(into.dA);
    const ref = matmulBackwardRef(dV, aV, bV, { M, K, N, transB: true });
    expect(relError(await g.dA!.read(), ref.dA.map((v, i) => v + dA0[i]!)), `seed ${seed}`).toBeLessThan(1e-5);
    expect(relError(await g.dB!.read(), ref.dB.map((v, i) => v + dB0[i]!)), `seed ${seed}`).toBeLessThan(1e-5);
  });

  it('throws naming the shapes when dC does not fit A·B', () => {
    const [a, b] = [Tensor.empty(device, [4, 5]), Tensor.empty(device, [5, 6])];
    expect(() => matmulBackward(Tensor.empty(device, [4, 7]), a, b)).toThrow(ShapeMismatchError);
    expect(() => matmulBackward(Tensor.empty(device, [4, 7]), a, b)).toThrow(/\(4,7\).*\(4,6\)/);
  });
});
