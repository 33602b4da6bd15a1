// Kill -9 at random moments of gsm8k-qlora's eval step, rerun it with --resume each time, and get
// the uninterrupted run's evaluation dumps byte for byte, each prediction once, no temporary file.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gsm8kQlora } from '../../../recipes/gsm8k-qlora/recipe.js';
import { runRecipe } from '../../../recipes/kit/recipe.js';
import { Rng } from '../../../src/cpu/random.js';
import { loadModel } from '../../../src/model/model.js';
import { writeRandomAdapter } from '../../helpers/adapters.js';
import { testDevice } from '../../helpers/gpu.js';
import { evalConfig } from './fixtures/eval-config.js';

const VITEST = new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url).pathname;
const CONFIG = new URL('./fixtures/vitest.config.ts', import.meta.url).pathname;
const DUMPS = ['base_eval.json', 'finetuned_eval.json', 'gsm8k_preds.jsonl', 'results.json'];

/**
 * Runs the fixture; with `kill`, SIGKILLs its process group `delayMs` after `after` exists in the
 * run directory, so a kill lands mid-eval however fast decoding is.
 * Resolves true when it finished.
 */
async function child(outputDir: string, kill?: { after: string; delayMs: number }): Promise<boolean> {
  const proc = spawn(process.execPath, [VITEST, 'run', '--config', CONFIG], { env: { ...process.env, WGML_EVAL_OUT: outputDir }, detached: true, stdio: 'ignore' });
  let done = false;
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => { done = true; resolve(code); }));
  if (kill) {
    while (!done && !existsSync(join(outputDir, 'k', kill.after))) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, kill.delayMs));
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      // It finished first.
    }
  }
  return (await exited) === 0;
}

/** runs/gsm8k-qlora/k/adapter: a random trained-looking adapter, all the eval step needs of train. */
async function runWithAdapter(adapter: string): Promise<string> {
  const out = join(await mkdtemp(join(tmpdir(), 'wgml-kill-eval-')), 'runs', 'gsm8k-qlora');
  await mkdir(join(out, 'k'), { recursive: true });
  const { cp } = await import('node:fs/promises');
  await cp(adapter, join(out, 'k', 'adapter'), { recursive: true });
  return out;
}

describe('kill -9 during gsm8k-qlora eval', () => {
  it('resumed runs write the uninterrupted dumps byte for byte, each prediction once, no .tmp left', async () => {
    const model = await loadModel('models/qwen3-tiny', { device: await testDevice() });
    const adapter = await writeRandomAdapter(model, 5, { r: 4, alpha: 8 });
    model.dispose();
    const whole = await runWithAdapter(adapter);
    await runRecipe(gsm8kQlora, await evalConfig(whole), { step: 'eval', resume: true, log: () => undefined, device: await testDevice() });

    const killed = await runWithAdapter(adapter);
    const rng = new Rng(18);
    const progress: string[] = [];
    let kills = 0;
    for (; kills < 3; kills++) {
      // Once the run directory is open (during the base model's eval); then during the fine-tuned model's; then about the dumps' writing.
      // Each waits for a file, not a fixed time, so a fast machine cannot finish the eval first.
      await child(killed, { after: kills === 0 ? 'config_resolved.json' : DUMPS[kills - 1], delayMs: rng.int(kills === 0 ? 500 : kills === 1 ? 1500 : 300) });
      progress.push((await readdir(join(killed, 'k'))).filter((f) => DUMPS.includes(f)).join('+') || 'nothing');
    }
    expect(progress.some((p) => !p.includes('gsm8k_preds')), `some kill lands before the dumps (${progress.join(', ')})`).toBe(true);
    while (!(await child(killed))) kills++;
    for (const file of DUMPS) {
      const [a, b] = await Promise.all([readFile(join(whole, 'k', file), 'utf8'), readFile(join(killed, 'k', file), 'utf8')]);
      expect(b, `${file} after ${kills} kills (${progress.join(', ')})`).toBe(a);
    }
    const preds = (await readFile(join(killed, 'k', 'gsm8k_preds.jsonl'), 'utf8')).trim().split('\n');
    expect(new Set(preds).size).toBe(preds.length);
    expect((await readdir(join(killed, 'k'))).filter((f) => f.includes('.tmp'))).toEqual([]);
  }, 240_000);
});
