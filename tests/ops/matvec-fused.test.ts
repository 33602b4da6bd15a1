// The decode products' fused epilogues against the CPU reference on fresh random inputs: the
// residual add (every variant, with and without bias) and SwiGLU's gated product (columns and textures),
// at N not a multiple of a workgroup's columns, each count of columns per invocation, the row
// counts the engine's decode batch takes, and weights split into row chunks; then the ops that
// choose them (matmulAdd, gatedMatmul) and their fallbacks.
import { describe, expect, it } from 'vitest';
import { matmulRef } from '../../src/cpu/matmul.js';
import { siluMulRef } from '../../src/cpu/silu-mul.js';
import { adapterKind, matvecVariant } from '../../src/gpu/adapter-kind.js';
import { roundTo } from '../../src/tensor/half.js';
import { gatedMatmul, matmulAdd } from '../../src/tensor/ops/matmul.js';
import { matvecFits } from '../../src/tensor/ops/matvec.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { fusedMatvecError } from '../helpers/product-checks.js';

const device = await testDevice();
const chunked = await testDevice({ maxBindingBytes: 4096 });

describe('decode products with fused epilogues', () => {
  it.each([
    [1, 40, 65, 'f32', 4],
    [1, 520, 1001, 'bf16', 4],
    [7, 136, 67, 'bf16', 2],
    [16, 72, 129, 'f16', 4],
    [32, 40, 131, 'bf16', 2],
    [3, 24, 63, 'f32', 1],
  ] as const)('columns gated silu(a·gateᵀ)·(a·upᵀ) at M=%i K=%i N=%i %s, COLS %i, is within 1e-5', async (M, K, N, dtype, cols) => {
    expect(await fusedMatvecError(device, 'columns', { M, K, N, dtype, fuse: 'gated', cols })).toBeLessThan(1e-5);
  });

  it.each([
    [1, 512, 1001, 'bf16', 4],
    [8, 1536, 67, 'bf16', 4],
    [32, 640, 131, 'f16', 2], // 25 rows of a staged at a time: two groups
  ] as const)('textures gated at M=%i K=%i N=%i %s, COLS %i, is within 1e-5', async (M, K, N, dtype, cols) => {
    expect(await fusedMatvecError(device, 'textures', { M, K, N, dtype, fuse: 'gated', cols })).toBeLessThan(1e-5);
  });

  it('columns and textures gated read gate and up chunk by chunk when the weights are split into row chunks', async () => {
    // (301,24) bf16 rows are 48 bytes: 85 rows a chunk, four chunks each.
    expect(await fusedMatvecError(device, 'columns', { M: 2, K: 24, N: 301, dtype: 'bf16', fuse: 'gated', dev: chunked })).toBeLessThan(1e-5);
    expect(await fusedMatvecError(device, 'textures', { M: 2, K: 128, N: 301, dtype: 'bf16', fuse: 'gated', dev: chunked })).toBeLessThan(1e-5);
  });

  it.each([
    ['columns', 1, 520, 1001, 'bf16', true],
    ['columns', 32, 68, 129, 'f32', false],
    ['columns', 5, 24, 63, 'f16', true],
    ['textures', 1, 512, 1001, 'bf16', true],
    ['textures', 32, 640, 129, 'bf16', false],
    ['lanes', 1, 37, 65, 'f32', true],
    ['lanes', 8, 521, 131, 'bf16', false],
  ] as const)('%s residual add base + a·bᵀ at M=%i K=%i N=%i %s (bias %s) is within 1e-5', async (variant, M, K, N, dtype, bias) => {
    expect(await fusedMatvecError(device, variant, { M, K, N, dtype, fuse: 'accumulate', bias })).toBeLessThan(1e-5);
  });

  it('refuses a gated product to lanes, to an up weight of another shape or dtype, and to a bias', () => {
    const a = Tensor.empty(device, [1, 40]);
    const out = Tensor.empty(device, [1, 5]);
    const gate = Tensor.empty(device, [5, 40], 'bf16');
    const [up, up6, upF32, bias] = [Tensor.empty(device, [5, 40], 'bf16'), Tensor.empty(device, [6, 40], 'bf16'), Tensor.empty(device, [5, 40]), Tensor.empty(device, [5])];
    const p = { a, b: gate, out, M: 1, K: 40, N: 5, transB: true };
    expect(matvecFits('columns', { ...p, up })).toBe(true);
    expect(matvecFits('lanes', { ...p, up })).toBe(false);
    expect(matvecFits('columns', { ...p, up: up6 })).toBe(false);
    expect(matvecFits('columns', { ...p, up: upF32 })).toBe(false);
    expect(matvecFits('columns', { ...p, up, bias })).toBe(false);
    for (const t of [a, out, gate, up, up6, upF32, bias]) t.dispose();
  });
});

describe('matmulAdd and gatedMatmul', () => {
  async function run(M: number, op: 'add' | 'gated'): Promise<{ err: number; dispatches: number; inPlace: boolean }> {
    const { rng } = freshRng();
    const [K, N] = [72, 67];
    const [aV, bV, uV, baseV] = [rng.normals(M * K), rng.normals(N * K), rng.normals(N * K), rng.normals(M * N)];
    const a = Tensor.from(device, aV, [M, K]);
    const [b, up] = [Tensor.from(device, bV, [N, K], 'bf16'), Tensor.from(device, uV, [N, K], 'bf16')];
    const base = Tensor.from(device, baseV, [M, N]);
    const before = device.recorder.dispatches;
    const out = op === 'add' ? matmulAdd(base, a, b, { transB: true }) : gatedMatmul(a, b, up);
    const dispatches = device.recorder.dispatches - before;
    const product = (w: Float32Array) => matmulRef(aV, roundTo(w, 'bf16'), { M, K, N, transB: true });
    const ref = op === 'add' ? product(bV).map((x, i) => x + baseV[i]!) : siluMulRef(product(bV), product(uV));
    const err = relError(await out.read(), ref);
    const inPlace = out === base;
    for (const t of [a, b, up, out, ...(op === 'gated' ? [base] : [])]) t.dispose();
    return { err, dispatches, inPlace };
  }

  it('adds a decode product into the base in the same dispatch, returning the base', async () => {
    const r = await run(3, 'add');
    expect(r.err).toBeLessThan(1e-5);
    expect(r).toMatchObject({ dispatches: 1, inPlace: true });
  });

  it('adds a prefill-sized product into the base as well, through a product and an add on CPU adapters', async () => {
    const r = await run(40, 'add');
    expect(r.err).toBeLessThan(1e-5);
    expect(r.dispatches).toBe(adapterKind(device.info) === 'cpu' ? 2 : 1);
  });

  it('computes a decode gated product in one dispatch where the adapter has the columns product, else in three', async () => {
    const r = await run(2, 'gated');
    expect(r.err).toBeLessThan(1e-5);
    expect(r.dispatches).toBe(matvecVariant(device.info, device.features) === 'columns' ? 1 : 3);
  });

  it('computes a prefill-sized gated product as two products and silu·mul', async () => {
    const r = await run(40, 'gated');
    expect(r.err).toBeLessThan(1e-5);
    expect(r.dispatches).toBe(3);
  });

  it('names the operand whose shape does not fit', () => {
    const a = Tensor.empty(device, [1, 8]);
    const [gate, up, base] = [Tensor.empty(device, [4, 8], 'bf16'), Tensor.empty(device, [5, 8], 'bf16'), Tensor.empty(device, [1, 5])];
    expect(() => gatedMatmul(a, gate, up)).toThrow(/gatedMatmul: up \(5,8\) must match gate \(4,8\)/);
    expect(() => matmulAdd(base, a, gate, { transB: true })).toThrow(/matmulAdd: base \(1,5\) must be \(1,4\)/);
    for (const t of [a, gate, up, base]) t.dispose();
  });
});
