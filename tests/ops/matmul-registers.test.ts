import { describe, expect, it } from 'vitest';
import { matmulRef } from '../../src/cpu/matmul.js';
import type { AdapterSummary } from '../../src/gpu/device.js';
import { gemm, matmulVariant, type MatmulVariant } from '../../src/tensor/gemm.js';
import { roundTo } from '../../src/tensor/half.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';

const device = await testDevice();

interface Case {
  M: number;
  K: number;
  N: number;
  transA?: boolean;
  transB?: boolean;
  dtype?: 'f32' | 'bf16';
  bias?: boolean;
  accumulate?: boolean;
  batch?: number;
}

/** (rows, cols) row-major → (cols, rows). */
function transpose(x: Float32Array, rows: number, cols: number, batch = 1): Float32Array {
  const out = new Float32Array(x.length);
  for (let z = 0; z < batch; z++) for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[z * rows * cols + c * rows + r] = x[z * rows * cols + r * cols + c]!;
  return out;
}

/** Relative error of gemm with the given kernel against the f64 reference, on fresh random inputs. */
async function errorOf(variant: MatmulVariant, c: Case): Promise<number> {
  const { rng, seed } = freshRng();
  const { M, K, N } = c;
  const batch = c.batch ?? 1;
  const dtype = c.dtype ?? 'f32';
  const aV = rng.normals(batch * M * K);  // (M,K) per batch, the reference's layout
  const bV = rng.normals(K * N);          // (K,N), or (N,K) with transB
  const biasV = c.bias ? rng.normals(N) : undefined;
  const cV = rng.normals(batch * M * N);
  const a = Tensor.from(device, c.transA ? transpose(aV, M, K, batch) : aV, [batch * (c.transA ? K : M), c.transA ? M : K]);
  const b = Tensor.from(device, bV, c.transB ? [N, K] : [K, N], dtype);
  const bias = biasV && Tensor.from(device, biasV, [N]);
  const out = Tensor.from(device, c.accumulate ? cV : new Float32Array(batch * M * N), [batch * M, N]);
  const strides = batch > 1 ? { batch: { count: batch, a: M * K, b: 0, c: M * N } } : {};
  gemm({ a, transA: c.transA, b, transB: c.transB, c: out, M, N, K, bias, accumulate: c.accumulate, variant, ...strides });
  const got = await out.read();
  const ref = matmulRef(aV, dtype === 'f32' ? bV : roundTo(bV, dtype), { batch, M, K, N, transB: c.transB }, biasV);
  if (c.accumulate) ref.forEach((x, i) => (ref[i] = x + cV[i]!));
  for (const t of [a, b, bias, out]) t?.dispose();
  const err = relError(got, ref);
  console.log(`${variant} ${JSON.stringify(c)} seed ${seed}: relative error ${err.toExponential(2)}`);
  return err;
}

const VARIANTS: MatmulVariant[] = ['registers', 'tiled'];

describe('matmul_registers (skinny outputs on CPU adapters) and the tiled kernel', () => {
  it.each(VARIANTS.flatMap((v) => [[v, 1, 1, 1], [v, 7, 17, 33], [v, 33, 1, 5], [v, 129, 17, 301], [v, 300, 16, 129], [v, 97, 513, 16]] as const))(
    '%s matches the reference at M=%i K=%i N=%i',
    async (variant, M, K, N) => {
      expect(await errorOf(variant, { M, K, N })).toBeLessThan(1e-5);
    },
  );

  it.each(VARIANTS.flatMap((v) => [[v, 16, 257, 33], [v, 129, 301, 17], [v, 5, 1, 3]] as const))(
    '%s reads a transposed A in place (dW products) at M=%i K=%i N=%i',
    async (variant, M, K, N) => {
      expect(await errorOf(variant, { M, K, N, transA: true })).toBeLessThan(1e-5);
    },
  );

  it.each(VARIANTS)('%s reads a transposed bf16 B and adds the bias', async (variant) => {
    expect(await errorOf(variant, { M: 65, K: 17, N: 31, transB: true, dtype: 'bf16', bias: true })).toBeLessThan(1e-5);
  });

  it.each(VARIANTS)('%s adds to what c holds with accumulate', async (variant) => {
    expect(await errorOf(variant, { M: 45, K: 16, N: 77, transB: true, accumulate: true })).toBeLessThan(1e-5);
  });

  it.each(VARIANTS)('%s runs independent batched products', async (variant) => {
    expect(await errorOf(variant, { M: 19, K: 17, N: 23, batch: 3 })).toBeLessThan(1e-5);
  });
});

describe('matmulVariant', () => {
  const llvmpipe: AdapterSummary = { backend: 'opengles', vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: '', featureLevel: 'core' };
  const nvidia: AdapterSummary = { backend: 'vulkan', vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: '', featureLevel: 'core' };

  it('takes registers on a CPU adapter when the output has at most 32 rows or columns', () => {
    expect([matmulVariant(llvmpipe, 1024, 16), matmulVariant(llvmpipe, 16, 512), matmulVariant(llvmpipe, 32, 1536)]).toEqual(['registers', 'registers', 'registers']);
  });

  it('keeps the tiled kernel for wide outputs (a thin K included) and on GPUs', () => {
    expect([matmulVariant(llvmpipe, 1024, 512), matmulVariant(llvmpipe, 33, 33), matmulVariant(nvidia, 1024, 16)]).toEqual(['tiled', 'tiled', 'tiled']);
  });
});
