import { mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLatestCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { writeSafetensors } from '../../src/io/safetensors.js';

async function save(root: string, step: number, keep = 2) {
  const w = Float32Array.from([step, step + 0.5]);
  return saveCheckpoint(
    root,
    { state: { step, rngState: 42 + step, dataPosition: step * 4, epoch: 0 }, optimizer: { step, m: new Map([['w', w]]), v: new Map([['w', w.map((x) => x * x)]]) } },
    'adapter_model.safetensors',
    (dir) => writeSafetensors(join(dir, 'adapter_model.safetensors'), { w: { dtype: 'F32', shape: [2], data: w } }),
    keep,
  );
}

describe('checkpoints', () => {
  it('keep only the newest K and load the newest back with its state and optimizer moments', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wgml-ckpt-'));
    for (const step of [10, 20, 30]) await save(root, step);
    expect((await readdir(root)).sort()).toEqual(['checkpoint-20', 'checkpoint-30']);
    const latest = await loadLatestCheckpoint(root);
    expect(latest!.state).toMatchObject({ step: 30, rngState: 72, dataPosition: 120 });
    expect(latest!.tensors.get('w')).toEqual(Float32Array.from([30, 30.5]));
    expect(latest!.optimizer.v.get('w')).toEqual(Float32Array.from([900, 930.25]));
    expect(latest!.optimizer.step).toBe(30);
  });

  it('ignore a half-written checkpoint left by a killed run', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wgml-ckpt-'));
    await save(root, 5);
    await mkdir(join(root, 'checkpoint-6.tmp-999'));
    expect((await loadLatestCheckpoint(root))!.state.step).toBe(5);
  });

  it('report no checkpoint for a new run', async () => {
    expect(await loadLatestCheckpoint(join(tmpdir(), 'wgml-none-' + Date.now()))).toBeNull();
  });
});
