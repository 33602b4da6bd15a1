// Kill -9 anywhere in a training run, resume, and get the uninterrupted run's adapter, one
// metrics row per step, and no leftover temporary checkpoint.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/cpu/random.js';
import { loadModel } from '../../src/model/model.js';
import { LoraTrainable } from '../../src/train/lora-trainable.js';
import { train } from '../../src/train/trainer.js';
import { testDevice } from '../helpers/gpu.js';
import { TINY_QWEN3, writeTinyQwen } from '../helpers/tiny-qwen.js';
import { KILL_CONFIG, KILL_EXAMPLES } from './fixtures/kill-run.js';

const device = await testDevice();
const tiny = await writeTinyQwen(TINY_QWEN3);
const VITEST = new URL('../../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const CONFIG = new URL('./fixtures/vitest.config.ts', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the fixture; with `killAfterMs`, SIGKILLs its whole process group that long after it logs its first step. Resolves true when it finished. */
async function child(runDir: string, killAfterMs?: number): Promise<boolean> {
  const proc = spawn(process.execPath, [VITEST, 'run', '--config', CONFIG], { env: { ...process.env, WGML_KILL_RUN: runDir, WGML_KILL_MODEL: tiny.dir }, detached: true, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  if (killAfterMs !== undefined) {
    // Training has started in this child once metrics.jsonl grows past what earlier children left.
    const metrics = join(runDir, 'metrics.jsonl');
    const sizeOf = () => (existsSync(metrics) ? statSync(metrics).size : -1);
    const before = sizeOf();
    const started = Date.now();
    while (sizeOf() <= before && proc.exitCode === null && Date.now() - started < 60_000) await sleep(10);
    await sleep(killAfterMs);
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      // It finished first.
    }
  }
  return (await exited) === 0;
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
