// Kill -9 anywhere in a training run, resume, and get the uninterrupted run's adapter, one
// metrics row per step, and no leftover temporary checkpoint.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/cpu/random.js';
import { loadModel } from '../../src/model/model.js';
import { LoraTrainable } from '../../src/train/lora-trainable.js';
import { train } from '../../src/train/trainer.js';
import { testDevice } from '../helpers/gpu.js';
import { runKillable } from '../helpers/killable-child.js';
import { TINY_QWEN3, writeTinyQwen } from '../helpers/tiny-qwen.js';
import { KILL_CONFIG, KILL_EXAMPLES } from './fixtures/kill-run.js';

const device = await testDevice();
const tiny = await writeTinyQwen(TINY_QWEN3);
const CONFIG = new URL('./fixtures/vitest.config.ts', import.meta.url).pathname;

/** Runs the fixture; with `killAfterMs`, SIGKILLs it that long after it appends its first metrics row. Resolves true when it finished. */
function child(runDir: string, killAfterMs?: number): Promise<boolean> {
  return runKillable(CONFIG, [], { WGML_KILL_RUN: runDir, WGML_KILL_MODEL: tiny.dir }, killAfterMs === undefined ? undefined : { file: join(runDir, 'metrics.jsonl'), delayMs: killAfterMs });
}

async function uninterrupted(): Promise<string> {
  const runDir = await mkdtemp(join(tmpdir(), 'wgml-whole-'));
  const model = await loadModel(tiny.dir, { device });
  const adapter = model.addLora({ r: 4, dropout: 0.1 }, 3);
  await train(new LoraTrainable(model, adapter), KILL_EXAMPLES, KILL_CONFIG, { runDir });
  await model.saveAdapter(join(runDir, 'final'));
  model.dispose();
  return runDir;
}

describe('kill -9 during training', () => {
  it('resumed runs end with the uninterrupted adapter, each step logged once, no checkpoint-N.tmp left', async () => {
    const whole = await uninterrupted();
    const runDir = await mkdtemp(join(tmpdir(), 'wgml-killed-'));
    const rng = new Rng(18);
    let kills = 0;
    for (; kills < 4; kills++) await child(runDir, rng.int(150));
    while (!(await child(runDir))) kills++;
    const weights = (dir: string) => readFile(join(dir, 'final', 'adapter_model.safetensors'));
    expect(Buffer.compare(await weights(runDir), await weights(whole)), `after ${kills} kills`).toBe(0);
    const steps = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);
    expect(steps).toEqual(Array.from({ length: KILL_CONFIG.maxSteps! }, (_, i) => i + 1));
    expect((await readdir(join(runDir, 'checkpoints'))).filter((n) => n.includes('.tmp-'))).toEqual([]);
  }, 300_000);
});
