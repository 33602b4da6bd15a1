// Both 4-bit decode-product variants, called by name, against the CPU reference of the same
// dequantized weights on fresh random inputs: N odd, blocks straddling rows (K = 96 with blocks
// of 64), q4's 32-value groups, weights split into row chunks, up to each variant's row limit,
// each count of columns per invocation with N not a multiple of a workgroup's columns.
import { describe, expect, it } from 'vitest';
import { quantMatvecFits } from '../../src/tensor/ops/quant-matvec.js';
import { quantizeWeight, uploadQuantWeight, type QuantizeSpec } from '../../src/quant/quantize.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { testDevice } from '../helpers/gpu.js';
import { quantMatvecVariantError } from '../helpers/product-checks.js';

const device = await testDevice();
const NF4: QuantizeSpec = { format: 'nf4' };
const NF4_256: QuantizeSpec = { format: 'nf4', blockSize: 256 };
const Q4_32: QuantizeSpec = { format: 'q4', blockSize: 32 };

describe('4-bit decode product variants against the dequantized reference', () => {
  it.each([
    { M: 1, N: 129, K: 64, spec: NF4, bias: true, cols: 1 },
    { M: 1, N: 129, K: 64, spec: NF4, bias: true, cols: 2 },
    { M: 3, N: 67, K: 96, spec: NF4, cols: 4 },
    { M: 32, N: 65, K: 512, spec: NF4, bias: true, cols: 2 },
    { M: 7, N: 33, K: 256, spec: NF4_256, cols: 4 },
    { M: 5, N: 101, K: 160, spec: Q4_32, bias: true, cols: 2 },
  ])('columns (COLS columns per invocation, vec4 of codes) at M=$M N=$N K=$K, COLS $cols, is within 1e-5', async (c) => {
    expect(await quantMatvecVariantError(device, 'columns', c)).toBeLessThan(1e-5);
  });

  it.each([
    { M: 1, N: 129, K: 64, spec: NF4, bias: true },
    { M: 8, N: 67, K: 96, spec: NF4 },
    { M: 3, N: 31, K: 129, spec: NF4 },
    { M: 5, N: 101, K: 160, spec: Q4_32, bias: true },
  ])('lanes (lanes per row, tree reduction) at M=$M N=$N K=$K is within 1e-5', async (c) => {
    expect(await quantMatvecVariantError(device, 'lanes', c)).toBeLessThan(1e-5);
  });

  it('columns fills each row chunk of a weight larger than one binding', async () => {
    const small = await testDevice({ maxBindingBytes: 8192 });
    expect(await quantMatvecVariantError(device, 'columns', { M: 2, N: 201, K: 192, spec: NF4, dev: small, minChunks: 3, bias: true })).toBeLessThan(1e-5);
  });

  it('columns refuses rows that are not whole vec4s of codes (K % 32), and lanes more than 8 rows', () => {
    const w = uploadQuantWeight(device, quantizeWeight(new Float32Array(3 * 48), [3, 48], NF4));
    const x = Tensor.empty(device, [9, 48]);
    const out = Tensor.empty(device, [9, 3]);
    const args = { x, w, out, M: 9, overrides: {} };
    expect(quantMatvecFits('columns', args)).toBe(false);
    expect(quantMatvecFits('lanes', args)).toBe(false);
    expect(quantMatvecFits('lanes', { ...args, M: 8 })).toBe(true);
    for (const t of [w, x, out]) t.dispose();
  });
});
