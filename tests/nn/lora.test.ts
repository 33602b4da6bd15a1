import { describe, expect, it } from 'vitest';
import { LoraLinear, initLora } from '../../src/nn/lora.js';
import { Linear } from '../../src/nn/linear.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { matmulRef } from '../../src/cpu/matmul.js';
import { dropoutRef } from '../../src/cpu/dropout.js';
import { roundTo } from '../../src/tensor/half.js';
import { Rng } from '../../src/cpu/random.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';

const device = await testDevice();
const [N, IN, OUT, R, S] = [7, 33, 19, 4, 2];
const transpose = (m: Float32Array, rows: number, cols: number) => Float32Array.from({ length: m.length }, (_, i) => m[(i % rows) * cols + Math.floor(i / rows)]!);

function setup(p: number) {
  const { rng, seed } = freshRng();
  const [x, w, A, B, dY] = [rng.normals(N * IN), rng.normals(OUT * IN), rng.normals(R * IN), rng.normals(OUT * R), rng.normals(N * OUT)];
  const base = new Linear(Tensor.from(device, w, [OUT, IN], 'bf16'));
  const lora = LoraLinear.create(device, base, [OUT, IN], { A, B }, { r: R, scaling: S, dropout: p, names: { A: 'a', B: 'b' } });
  return { seed, x, w: roundTo(w, 'bf16'), A, B, dY, lora };
}

describe('LoraLinear', () => {
  it('initialises as PEFT does: A uniform in ±1/√in, B zero', () => {
    const { A, B } = initLora(new Rng(1), 8, 100, 50);
    expect(Math.max(...A.map(Math.abs))).toBeLessThanOrEqual(0.1);
    expect(Math.max(...A.map(Math.abs))).toBeGreaterThan(0.09);
    expect(B.every((v) => v === 0)).toBe(true);
  });

  it('adds (x·Aᵀ)·Bᵀ·scaling to the frozen layer', async () => {
    const { seed, x, w, A, B, lora } = setup(0);
    const y = await lora.forward(Tensor.from(device, x, [N, IN])).read();
    const base = matmulRef(x, w, { M: N, K: IN, N: OUT, transB: true });
    const upd = matmulRef(matmulRef(x, A, { M: N, K: IN, N: R, transB: true }), B, { M: N, K: R, N: OUT, transB: true });
    expect(relError(y, base.map((v, i) => v + S * upd[i]!)), `seed ${seed}`).toBeLessThan(1e-5);
  });

  it.each([0, 0.3])('gives dA, dB and dx of the reference with dropout %s', async (p) => {
    const { seed, x, w, A, B, dY, lora } = setup(p);
    const { saved } = lora.forwardTrain(Tensor.from(device, x, [N, IN]), 11);
    const grads = new Map<string, Tensor>();
    const dX = await lora.backward(Tensor.from(device, dY, [N, OUT]), saved, grads).read();
    const xd = dropoutRef(x, p, 11);
    const h = matmulRef(xd, A, { M: N, K: IN, N: R, transB: true });
    const dU = dY.map((v) => v * S);
    const dH = matmulRef(dU, B, { M: N, K: OUT, N: R });
    const dB = matmulRef(transpose(dU, N, OUT), h, { M: OUT, K: N, N: R });
    const dA = matmulRef(transpose(dH, N, R), xd, { M: R, K: N, N: IN });
    const dXd = dropoutRef(matmulRef(dH, A, { M: N, K: R, N: IN }), p, 11);
    const dXref = matmulRef(dY, w, { M: N, K: OUT, N: IN }).map((v, i) => v + dXd[i]!);
    expect(relError(await grads.get('b')!.read(), dB), `seed ${seed}`).toBeLessThan(1e-5);
    expect(relError(await grads.get('a')!.read(), dA), `seed ${seed}`).toBeLessThan(1e-5);
    expect(relError(dX, dXref), `seed ${seed}`).toBeLessThan(1e-5);
  });

  it('accumulates into existing gradients', async () => {
    const { x, dY, lora } = setup(0);
    const grads = new Map<string, Tensor>();
    for (let i = 0; i < 2; i++) {
      const { saved } = lora.forwardTrain(Tensor.from(device, x, [N, IN]), 1);
      lora.backward(Tensor.from(device, dY, [N, OUT]), saved, grads);
    }
    const once = new Map<string, Tensor>();
    const { saved } = lora.forwardTrain(Tensor.from(device, x, [N, IN]), 1);
    lora.backward(Tensor.from(device, dY, [N, OUT]), saved, once);
    expect(relError(await grads.get('a')!.read(), (await once.get('a')!.readFloat()).map((v) => 2 * v))).toBeLessThan(1e-6);
  });
});
