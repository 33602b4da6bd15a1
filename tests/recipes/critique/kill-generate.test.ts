// Kill -9 at random moments of critique's chunked generation, run it again each time, and get the
// uninterrupted run's merged samples, each chunk once, and no temporary file left behind.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateChunks } from '../../../recipes/critique/generate.js';
import { mergeModel } from '../../../recipes/critique/merge.js';
import { Rng } from '../../../src/cpu/random.js';
import { testDevice } from '../../helpers/gpu.js';
import { generateJob, QUESTIONS } from './fixtures/generate-job.js';

const VITEST = new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const CONFIG = new URL('./fixtures/vitest.config.ts', import.meta.url).pathname;

const chunkFiles = async (dir: string) => (await readdir(dir)).filter((f) => f.endsWith('.json')).length;

/**
 * Runs the fixture; with `kill`, SIGKILLs its process group `delayMs` after `chunks` chunk files
 * exist (0: after start-up begins), so a kill lands mid-run however fast generation is. Resolves
 * true when it finished.
 */
async function child(outDir: string, kill?: { chunks: number; delayMs: number }): Promise<boolean> {
  const proc = spawn(process.execPath, [VITEST, 'run', '--config', CONFIG], { env: { ...process.env, WGML_GENERATE_OUT: outDir }, detached: true, stdio: 'ignore' });
  let done = false;
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => { done = true; resolve(code); }));
  if (kill) {
    while (!done && (await chunkFiles(outDir)) < kill.chunks) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, kill.delayMs));
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      // It finished first.
    }
  }
  return (await exited) === 0;
}

describe('kill -9 during critique generate', () => {
  it('resumed runs merge to the uninterrupted samples, each chunk file once, no .tmp left', async () => {
    const whole = await mkdtemp(join(tmpdir(), 'critique-whole-'));
    await generateChunks(await generateJob(whole, await testDevice()));
    const expected = await mergeModel(whole, 'qwen3-tiny', QUESTIONS, join(whole, 'merged.json'));

    const killed = await mkdtemp(join(tmpdir(), 'critique-killed-'));
    const rng = new Rng(18);
    const progress: number[] = [];
    let kills = 0;
    // The first kill lands during start-up (a child takes seconds to load vitest, the device and the
    // models, and then writes its chunks faster than that); each later one while the chunk after
    // those already written is being sampled, at a random point of it.
    for (; kills < 4; kills++) {
      const before = await chunkFiles(killed);
      await child(killed, kills === 0 ? { chunks: 0, delayMs: rng.int(1500) } : { chunks: before + 1, delayMs: rng.int(400) });
      progress.push(await chunkFiles(killed));
    }
    expect(progress.some((n) => n < QUESTIONS), `some kill lands before the last chunk (chunks done: ${progress.join(', ')})`).toBe(true);
    while (!(await child(killed))) kills++;
    const merged = await mergeModel(killed, 'qwen3-tiny', QUESTIONS, join(killed, 'merged.json'));
    expect(await readFile(join(killed, 'merged.json'), 'utf8'), `after ${kills} kills (chunks done after each: ${progress.join(', ')})`).toBe(await readFile(join(whole, 'merged.json'), 'utf8'));
    expect(merged.records.length).toBe(expected.records.length);
    const files = await readdir(killed);
    expect(files.filter((f) => f.includes('.tmp'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('_chunk_0.json'))).toHaveLength(1);
  }, 180_000);
});
