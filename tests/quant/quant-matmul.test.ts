import { describe, expect, it } from 'vitest';
import { dequantize, quantMatmul, quantMatmulBackwardInput, type QuantMatmulVariant } from '../../src/tensor/ops/quant-matmul.js';
import { quantMatmulBackwardInputRef, quantMatmulRef } from '../../src/cpu/quant-matmul.js';
import { quantizeWeight, uploadQuantWeight, type QuantizeSpec } from '../../src/quant/quantize.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { ShapeMismatchError } from '../../src/errors.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { dequantizeBlocks } from '../../src/quant/layouts.js';
import { checkQuantMatmul } from '../helpers/product-checks.js';
import { finiteDiffError } from '../helpers/grad.js';

const device = await testDevice();
const NF4: QuantizeSpec = { format: 'nf4' };
const Q4_32: QuantizeSpec = { format: 'q4', blockSize: 32 };
const Q4_128: QuantizeSpec = { format: 'q4', blockSize: 128 };

describe('4-bit product reference backward', () => {
  it.each([
    ['nf4', NF4],
    ['q4/32', Q4_32],
  ] as const)('dx matches central finite differences of the reference forward (%s)', (_, spec) => {
    const { rng, seed } = freshRng();
    const [M, N, K] = [3, 5, 64];
    const host = quantizeWeight(rng.normals(N * K), [N, K], spec);
    const [x, dy] = [rng.normals(M * K), rng.normals(M * N)];
    const dx = quantMatmulBackwardInputRef(dy, host);
    expect(finiteDiffError((v) => quantMatmulRef(v, host), x, dy, dx, rng), `seed ${seed}`).toBeLessThan(1e-4);
  });
});

describe('4-bit products against the product with the dequantized weight', () => {
  it.each((['registers', 'dequantized'] as QuantMatmulVariant[]).flatMap((v) => [
    [v, 33, 70, 64, NF4],
    [v, 129, 37, 192, NF4],
    [v, 20, 33, 96, Q4_32],
    [v, 17, 9, 128, Q4_128],
    [v, 40, 64, 129, NF4],
  ] as const))('prefill (%s) at M=%i N=%i K=%i', async (variant, M, N, K, spec) => {
    await checkQuantMatmul(device, M, N, K, spec, { bias: true, variant });
  });

  it('dequantizes a weight exactly as the reference does, across 4-bit and f32 chunk boundaries', async () => {
    const small = await testDevice({ maxBindingBytes: 2048 });
    const { rng, seed } = freshRng();
    const host = quantizeWeight(rng.normals(129 * 63), [129, 63], NF4);
    const w = uploadQuantWeight(small, host);
    const w32 = dequantize(w);
    expect(w.chunks.length, 'quant chunks').toBeGreaterThanOrEqual(3);
    expect(w32.chunks.length, 'f32 chunks').toBeGreaterThan(w.chunks.length);
    const ref = dequantizeBlocks(host.layout, host.codes, host.scales, 129 * 63);
    expect(relError(await w32.read(), ref), `seed ${seed}`).toBe(0);
    w.dispose();
    w32.dispose();
  });

  it.each([
    [1, 129, 64, NF4],
    [3, 7, 576, NF4],
    [8, 40, 96, Q4_32],
    [1, 1000, 128, Q4_128],
  ] as const)('decode (M ≤ 8) at M=%i N=%i K=%i', async (M, N, K, spec) => {
    await checkQuantMatmul(device, M, N, K, spec, { bias: true });
  });

  it('handles rows that are not a whole number of code words (blocks straddling rows)', async () => {
    await checkQuantMatmul(device, 1, 64, 129, NF4); // 64·129 = 129 blocks of 64, K odd
    await checkQuantMatmul(device, 5, 32, 7, Q4_32);
    await checkQuantMatmul(device, 40, 64, 129, NF4);
  });

  it('handles a last block the block size does not divide (bitsandbytes’ partial block): 4099 and 63 values, odd byte counts', async () => {
    await checkQuantMatmul(device, 3, 1, 4099, NF4); // one row, 64 whole blocks and 3 values
    await checkQuantMatmul(device, 2, 4099, 1, NF4); // 4099 rows of one value: words and blocks straddle rows
    await checkQuantMatmul(device, 4, 7, 9, NF4); // 63 values: a single partial block
    await checkQuantMatmul(device, 20, 3, 21, NF4, { bias: true }); // the tiled prefill on 63 values
    await checkQuantMatmul(device, 5, 17, 241, { format: 'nf4', blockSize: 128 }, { bias: true });
  });

  it('chunks a weight with a partial last block: only the last chunk ends mid-block', async () => {
    const small = await testDevice({ maxBindingBytes: 2048 });
    await checkQuantMatmul(device, 3, 129, 63, NF4, { dev: small, minChunks: 3 }); // chunks of 64, 64 and 1 rows; 8127 values
    await checkQuantMatmul(device, 2, 129, 63, NF4, { dev: small, minChunks: 3, bias: true });
  });

  it('splits a weight larger than one binding into row chunks, for every product', async () => {
    const small = await testDevice({ maxBindingBytes: 8192 });
    await checkQuantMatmul(device, 9, 200, 192, NF4, { dev: small, minChunks: 3, bias: true });
    await checkQuantMatmul(device, 2, 200, 192, NF4, { dev: small, minChunks: 3, bias: true });
    await checkQuantMatmul(device, 9, 130, 224, Q4_32, { dev: small, minChunks: 2 });
    // y (30,1000) f32 is chunked too: the tiled product runs once per (weight chunk, output chunk).
    await checkQuantMatmul(device, 30, 1000, 64, Q4_128, { dev: small, minChunks: 3, forwardOnly: true });
  });

  it('throws naming both shapes when x does not fit the weight', () => {
    const w = uploadQuantWeight(device, quantizeWeight(new Float32Array(64 * 4), [4, 64], NF4));
    const x = Tensor.empty(device, [3, 65]);
    expect(() => quantMatmul(x, w)).toThrow(ShapeMismatchError);
    expect(() => quantMatmul(x, w)).toThrow(/\(3,65\).*\(4,64\)/);
    expect(() => quantMatmulBackwardInput(x, w)).toThrow(/\(3,65\).*\(4,64\)/);
  });
});
