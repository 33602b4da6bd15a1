import { describe, expect, it } from 'vitest';
import { AdamW, AdamWConfigSchema } from '../../src/train/adamw.js';
import { adamwRef } from '../../src/cpu/adamw.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { freshRng, relError, testDevice } from '../helpers/gpu.js';

const device = await testDevice();

describe('AdamW', () => {
  it('matches the reference over several steps with weight decay and clipping', async () => {
    const { rng, seed } = freshRng();
    const sizes = { a: 1000, b: 7 };
    const config = AdamWConfigSchema.parse({ weightDecay: 0.1, maxGradNorm: 0.5 });
    const ref = Object.fromEntries(Object.entries(sizes).map(([k, n]) => [k, { p: rng.normals(n), m: new Float32Array(n), v: new Float32Array(n) }]));
    const params = new Map(Object.entries(ref).map(([k, r]) => [k, Tensor.from(device, r.p, [r.p.length])]));
    const opt = new AdamW(device, params, config);
    for (let t = 1; t <= 3; t++) {
      const gv = Object.fromEntries(Object.entries(sizes).map(([k, n]) => [k, rng.normals(n)]));
      const norm = Math.sqrt(Object.values(gv).reduce((s, g) => s + g.reduce((a, x) => a + x * x, 0), 0));
      const grads = new Map(Object.entries(gv).map(([k, g]) => [k, Tensor.from(device, g, [g.length])]));
      expect(await opt.step(grads, 1e-2)).toBeCloseTo(norm, 3);
      const gradScale = Math.min(1, 0.5 / (norm + 1e-6));
      for (const [k, r] of Object.entries(ref)) adamwRef(r.p, gv[k]!, r.m, r.v, { ...config, lr: 1e-2, t, gradScale });
    }
    for (const [k, r] of Object.entries(ref)) expect(relError(await params.get(k)!.read(), r.p), `seed ${seed} ${k}`).toBeLessThan(1e-5);
  });

  it('exports and imports its state so a resumed run continues the same moments', async () => {
    const p = Tensor.from(device, [1, 2, 3], [3]);
    const opt = new AdamW(device, new Map([['p', p]]), AdamWConfigSchema.parse({}));
    await opt.step(new Map([['p', Tensor.from(device, [0.1, -0.2, 0.3], [3])]]), 0.1);
    const state = await opt.exportState();
    const q = Tensor.from(device, await p.read(), [3]);
    const resumed = new AdamW(device, new Map([['p', q]]), AdamWConfigSchema.parse({}));
    resumed.importState(state);
    const g = Tensor.from(device, [0.5, 0.5, -0.5], [3]);
    await opt.step(new Map([['p', g]]), 0.1);
    await resumed.step(new Map([['p', g]]), 0.1);
    expect(await q.read()).toEqual(await p.read());
    expect(resumed.stepCount).toBe(2);
  });

  it('names a missing gradient', async () => {
    const opt = new AdamW(device, new Map([['layer.w', Tensor.from(device, [1], [1])]]), AdamWConfigSchema.parse({}));
    await expect(opt.step(new Map(), 0.1)).rejects.toThrow(/layer\.w/);
  });
});
