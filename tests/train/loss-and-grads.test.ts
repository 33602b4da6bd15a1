import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/model.js';
import { causalLmLossRef, qwenLogitsRef, type RefLora } from '../../src/cpu/qwen.js';
import { Rng } from '../../src/cpu/random.js';
import { LORA_TARGETS } from '../../src/io/peft.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';
import { TINY_QWEN3, writeTinyQwen } from '../helpers/tiny-qwen.js';

const device = await testDevice();
const tiny = await writeTinyQwen({ ...TINY_QWEN3, dtype: 'F32' });
const V = tiny.config.vocabSize;

/** A nonzero adapter (B random too), so every path of the gradient is exercised. */
async function modelWithRandomLora(seed: number) {
  const model = await loadModel(tiny.dir, { device });
  const adapter = model.addLora({ r: 4, alpha: 8, dropout: 0 }, seed);
  const rng = new Rng(seed + 1);
  const values = new Map([...adapter.parameters].map(([n, t]) => [n, rng.normals(t.size, 0.2)]));
  adapter.loadTensors(values);
  return { model, values };
}

function refLora(values: Map<string, Float32Array>): RefLora {
  const lora = new Map<string, { A: Float32Array; B: Float32Array; r: number; scaling: number }>();
  for (const [name, A] of values) {
    if (!name.endsWith('lora_A.weight')) continue;
    const module = name.replace('base_model.model.', '').replace('.lora_A.weight', '');
    lora.set(module, { A, B: values.get(name.replace('lora_A', 'lora_B'))!, r: 4, scaling: 2 });
  }
  return lora;
}

describe('lossAndGrads', () => {
  it('gives the reference loss and the reference gradients (central differences) of a nonzero LoRA adapter', async () => {
    const { rng, seed } = freshRng();
    const { model, values } = await modelWithRandomLora(seed);
    const ids = Array.from({ length: 9 }, () => rng.int(V));
    const labels = ids.map((id, t) => (t < 3 ? -100 : id));
    const refLoss = (v: Map<string, Float32Array>) => causalLmLossRef(qwenLogitsRef(tiny.weights, tiny.config, ids, refLora(v)), labels, V);
    const { loss, grads } = await model.lossAndGrads({ input_ids: ids, labels });
    expect(Math.abs(loss - refLoss(values)) / refLoss(values), `seed ${seed}`).toBeLessThan(1e-5);
    expect([...grads.keys()].sort()).toEqual([...values.keys()].sort());
    const picked = [...values.keys()].filter((_, i) => i % 5 === 0);
    const fd: number[] = [];
    const gpu: number[] = [];
    for (const name of picked) {
      for (const at of [0, Math.floor(values.get(name)!.length / 2)]) {
        const h = 1e-2;
        const shifted = (d: number) => new Map([...values].map(([n, v]) => [n, n === name ? v.map((x, i) => (i === at ? x + d : x)) : v]));
        fd.push((refLoss(shifted(h)) - refLoss(shifted(-h))) / (2 * h));
        gpu.push(grads.get(name)![at]!);
      }
    }
    // f32 storage in the reference limits central differences to about 1e-4 relative at this step.
    expect(relError(gpu, fd), `seed ${seed}`).toBeLessThan(2e-3);
    model.dispose();
  });

  it('names gradients as PEFT does, for every targeted projection of every layer', async () => {
    const { model } = await modelWithRandomLora(1);
    const { grads } = await model.lossAndGrads({ input_ids: [1, 2, 3], labels: [1, 2, 3] });
    expect(grads.size).toBe(2 * LORA_TARGETS.length * tiny.config.numLayers);
    expect(grads.has('base_model.model.model.layers.1.mlp.down_proj.lora_B.weight')).toBe(true);
    model.dispose();
  });

  it('refuses labels of another length than the input ids', async () => {
    const { model } = await modelWithRandomLora(1);
    await expect(model.lossAndGrads({ input_ids: [1, 2, 3], labels: [1, 2] })).rejects.toThrow(/labels \(2\) and input_ids \(3\)/);
    model.dispose();
  });

  it('refuses a batch with no unmasked token', async () => {
    const { model } = await modelWithRandomLora(1);
    await expect(model.lossAndGrads({ input_ids: [1, 2, 3], labels: [-100, -100, -100] })).rejects.toThrow(/no token has a label/);
    model.dispose();
  });
});
