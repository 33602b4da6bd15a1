import { appendFile, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
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

  it('remove the half-written checkpoint-N.tmp-PID a killed run left, at the next save', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wgml-ckpt-'));
    await save(root, 5);
    await mkdir(join(root, 'checkpoint-6.tmp-999'));
    await save(root, 6);
    expect((await readdir(root)).sort()).toEqual(['checkpoint-5', 'checkpoint-6']);
  });

  it('fall back to the previous intact checkpoint when the newest is corrupt, saying which was skipped', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wgml-ckpt-'));
    await save(root, 5);
    await save(root, 6);
    await writeFile(join(root, 'checkpoint-6', 'trainer_state.json'), '{"step": 6, ');
    const skipped: string[] = [];
    expect((await loadLatestCheckpoint(root, (dir) => skipped.push(dir)))!.state.step).toBe(5);
    expect(skipped).toEqual([join(root, 'checkpoint-6')]);
  });

  it('refuse an optimizer file padded with trailing bytes, falling back past it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wgml-ckpt-'));
    await save(root, 5);
    await save(root, 6);
    await appendFile(join(root, 'checkpoint-6', 'optimizer.safetensors'), Buffer.alloc(16));
    expect((await loadLatestCheckpoint(root))!.state.step).toBe(5);
  });

  it('throw the newest error when no checkpoint is intact', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wgml-ckpt-'));
    await save(root, 5);
    await writeFile(join(root, 'checkpoint-5', 'trainer_state.json'), 'nope');
    await expect(loadLatestCheckpoint(root)).rejects.toThrow(/checkpoint-5.*trainer_state\.json/);
  });
});
