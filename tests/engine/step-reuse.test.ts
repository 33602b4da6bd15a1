import { describe, expect, it, vi } from 'vitest';
import type { EngineEvent } from '../../src/engine/sequence.js';
import { loadModel } from '../../src/model/model.js';
import { testDevice } from '../helpers/gpu.js';
import { TINY_QWEN3, writeTinyQwen } from '../helpers/tiny-qwen.js';

const tiny = await writeTinyQwen(TINY_QWEN3);
const V = tiny.config.vocabSize;
const warm = await loadModel(tiny.dir, { device: await testDevice() });
const cold = await loadModel(tiny.dir, { device: await testDevice() });

/** Greedy and sampled rows side by side, with logprobs (which read every step's logits back). */
async function generate(model: typeof warm): Promise<EngineEvent[][]> {
  const requests = [0, 1, 2].map((i) => ({
    ids: Array.from({ length: 6 + 3 * i }, (_, k) => (17 * i + 31 * k + 3) % V),
    maxNewTokens: 10,
    stopTokenIds: [],
    logprobs: 3,
    sampling: { temperature: i === 0 ? 0 : 0.9, seed: 11 + i },
  }));
  return Promise.all(requests.map(async (r) => {
    const events: EngineEvent[] = [];
    for await (const e of model.engine.submit(r)) events.push(e);
    return events;
  }));
}

describe('Reused decode steps', () => {
  it('create no bind group when a generation repeats on a warm device', async () => {
    await generate(warm);
    const spy = vi.spyOn(warm.device.gpu, 'createBindGroup');
    await generate(warm);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('give the same tokens and logprobs, bit for bit, from cached bind groups and reused buffers as on a cold device', async () => {
    await generate(warm);
    const reused = await generate(warm);
    expect(reused).toEqual(await generate(cold));
  });
});
