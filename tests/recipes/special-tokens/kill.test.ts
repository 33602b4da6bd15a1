// Kill -9 at moments keyed to progress through special-tokens' data and eval steps (mid-teacher,
// after the data, after the base model's evaluation), rerun each time, and get the uninterrupted
// run's files: the same teacher records each once (they arrive in any order), byte-identical
// evaluation dumps and results, one summary row, no temporary file.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runRecipe } from '../../../recipes/index.js';
import { specialTokens } from '../../../recipes/special-tokens/recipe.js';
import { Rng } from '../../../src/cpu/random.js';
import type { Device } from '../../../src/gpu/device.js';
import { loadModel } from '../../../src/model/model.js';
import { writeRandomAdapter } from '../../helpers/adapters.js';
import { testDevice } from '../../helpers/gpu.js';
import { runKillable } from '../../helpers/killable-child.js';
import { fakeOpenAI } from './fake-openai.js';
import { KEY_ENV, killConfig } from './fixtures/kill-config.js';

const CONFIG = new URL('./fixtures/vitest.config.ts', import.meta.url).pathname;
const IDENTICAL = ['split.json', 'base_eval.json', 'eval_preds.jsonl', 'results.json'];
/** The smoke preset's 10 problems, 2 held out: 8 × (AGENT, EDIT) instructions for the teacher. */
const TEACHER_JOBS = 16;

const lines = async (file: string) => (existsSync(file) ? (await readFile(file, 'utf8')).split('\n').filter(Boolean) : []);

// 150 ms a reply, two at a time: the teacher takes over a second, long enough to be killed in.
const teacher = await fakeOpenAI(() => 'ok', 150);
afterAll(() => teacher.close());

/**
 * Runs the fixture on `outputDir`'s run k; with `kill`, SIGKILLs its process group `delayMs` after
 * this child has written `after` (its mtime is past the child's start). Resolves true when it finished.
 */
function child(outputDir: string, kill?: { after: string; delayMs: number }): Promise<boolean> {
  return runKillable(CONFIG, ['data-eval'], { WGML_ST_KILL_OUT: outputDir, WGML_ST_KILL_URL: teacher.url, [KEY_ENV]: 'test' }, kill && { file: join(outputDir, 'k', kill.after), delayMs: kill.delayMs });
}

/**
 * Kill 0 lands mid-teacher; kill 1 just after validate (valid.jsonl written), in the loading or
 * evaluation of the base model; kill 2 in the tuned model's, or about the dumps' writing.
 */
function nextKill(kills: number, baseDone: boolean, rng: Rng): { after: string; delayMs: number } {
  if (kills === 0) return { after: 'split.json', delayMs: 200 + rng.int(600) };
  if (kills === 1 || baseDone) return { after: 'valid.jsonl', delayMs: rng.int(kills === 1 ? 400 : 800) };
  return { after: 'base_eval.json', delayMs: rng.int(300) };
}

/** A run with the tokens step done and `adapter` in it (on the enlarged model): all eval needs of train. */
async function preparedRun(device: Device, adapter?: string): Promise<string> {
  const out = join(await mkdtemp(join(tmpdir(), 'wgml-st-kill-')), 'special-tokens');
  await runRecipe(specialTokens, await killConfig(out, teacher.url), { step: 'tokens', log: () => undefined, device });
  await cp(adapter ?? (await randomAdapter(join(out, 'k', 'model'), device)), join(out, 'k', 'adapter'), { recursive: true });
  return out;
}

async function randomAdapter(modelDir: string, device: Device): Promise<string> {
  const model = await loadModel(modelDir, { device });
  try {
    return await writeRandomAdapter(model, 13, { r: 4, alpha: 8 });
  } finally {
    model.dispose();
  }
}

describe('kill -9 during special-tokens data and eval', () => {
  it('resumed runs hold every teacher record once and write the uninterrupted dumps byte for byte, no .tmp left', async () => {
    const device = await testDevice();
    const whole = await preparedRun(device);
    process.env[KEY_ENV] = 'test';
    const config = await killConfig(whole, teacher.url);
    for (const step of ['data', 'validate', 'eval']) await runRecipe(specialTokens, config, { step, resume: true, log: () => undefined, device });

    const killed = await preparedRun(device, join(whole, 'k', 'adapter'));
    const rng = new Rng(18);
    const reached: string[] = [];
    const has = (file: string) => existsSync(join(killed, 'k', file));
    let kills = 0;
    for (; kills < 3; kills++) {
      await child(killed, nextKill(kills, has('base_eval.json'), rng));
      const records = (await lines(join(killed, 'k', 'teacher.jsonl'))).length;
      reached.push([`${records} records`, ...['base_eval.json', 'eval_preds.jsonl'].filter(has)].join('+'));
    }
    const partial = reached.filter((r) => !r.startsWith(`${TEACHER_JOBS} records`) && !r.startsWith('0 records'));
    expect(partial.length, `some kill lands mid-teacher (${reached.join(', ')})`).toBeGreaterThan(0);
    expect(reached.some((r) => r.startsWith(`${TEACHER_JOBS} records`) && !r.includes('eval_preds')), `some kill lands in eval (${reached.join(', ')})`).toBe(true);
    while (!(await child(killed))) kills++;
    const [a, b] = await Promise.all([lines(join(whole, 'k', 'teacher.jsonl')), lines(join(killed, 'k', 'teacher.jsonl'))]);
    expect(b.sort(), `teacher.jsonl after ${kills} kills (reached: ${reached.join(', ')})`).toEqual(a.sort());
    expect(new Set(b.map((l) => (JSON.parse(l) as { id: string }).id)).size).toBe(TEACHER_JOBS);
    expect((await lines(join(killed, 'k', 'valid.jsonl'))).sort()).toEqual((await lines(join(whole, 'k', 'valid.jsonl'))).sort());
    for (const file of IDENTICAL) {
      const [x, y] = await Promise.all([readFile(join(whole, 'k', file), 'utf8'), readFile(join(killed, 'k', file), 'utf8')]);
      expect(y, `${file} after ${kills} kills`).toBe(x);
    }
    const summary = (await readFile(join(killed, '..', 'summary.csv'), 'utf8')).trim().split('\n');
    expect(summary.filter((row) => row.startsWith('k,special-tokens,'))).toHaveLength(1);
    expect((await readdir(join(killed, 'k'), { recursive: true })).filter((f) => f.includes('.tmp'))).toEqual([]);
  }, 300_000);
});
