// Kill -9 at moments keyed to progress through json-format's data and eval steps (data files,
// then each model's evaluation), rerun each time, and get the uninterrupted run's files byte for
// byte, each prediction once, one summary row, no temporary file.
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonFormat } from '../../../recipes/json-format/recipe.js';
import { runRecipe } from '../../../recipes/kit/recipe.js';
import { Rng } from '../../../src/cpu/random.js';
import { loadModel } from '../../../src/model/model.js';
import { writeRandomAdapter } from '../../helpers/adapters.js';
import { testDevice } from '../../helpers/gpu.js';
import { runKillable } from '../../helpers/killable-child.js';
import { killConfig } from './fixtures/kill-config.js';

const CONFIG = new URL('./fixtures/vitest.config.ts', import.meta.url).pathname;
const FIXTURE = 'tests/recipes/json-format/fixtures/data-eval.fixture.ts';
const OUTPUTS = ['train.jsonl', 'eval.jsonl', 'stats.json', 'stats.md', 'base_eval.json', 'constrained_eval.json', 'eval_preds.jsonl', 'results.json'];
/** What each phase leaves, in order: the data step's files, then each model's evaluation, then the dumps. */
const PROGRESS = ['stats.md', 'base_eval.json', 'constrained_eval.json', 'eval_preds.jsonl'];

/**
 * Runs the fixture on `outputDir`'s run k; with `kill`, SIGKILLs its process group `delayMs` after
 * this child has written `after` (its mtime is past the child's start), so a kill lands in the
 * phase after that one however fast the machine is. Resolves true when it finished.
 */
function child(outputDir: string, kill?: { after: string; delayMs: number }): Promise<boolean> {
  return runKillable(CONFIG, [FIXTURE], { WGML_JF_OUT: outputDir }, kill && { file: join(outputDir, 'k', kill.after), delayMs: kill.delayMs });
}

/** runs/json-format/k/adapter: a random trained-looking adapter, all the eval step needs of train. */
async function runWithAdapter(adapter: string): Promise<string> {
  const out = join(await mkdtemp(join(tmpdir(), 'wgml-jf-kill-')), 'runs', 'json-format');
  await mkdir(join(out, 'k'), { recursive: true });
  await cp(adapter, join(out, 'k', 'adapter'), { recursive: true });
  return out;
}

describe('kill -9 during json-format data and eval', () => {
  it('resumed runs write the uninterrupted files byte for byte, each prediction once, one summary row, no .tmp left', async () => {
    const device = await testDevice();
    const model = await loadModel('models/qwen3-tiny', { device });
    const adapter = await writeRandomAdapter(model, 11, { r: 4, alpha: 8 });
    model.dispose();
    const whole = await runWithAdapter(adapter);
    const config = await killConfig(whole);
    await runRecipe(jsonFormat, config, { step: 'data', log: () => undefined, device });
    await runRecipe(jsonFormat, config, { step: 'eval', resume: true, log: () => undefined, device });

    const killed = await runWithAdapter(adapter);
    const rng = new Rng(18);
    const reached: string[] = [];
    let kills = 0;
    for (; kills < 4; kills++) {
      // The first kill lands in the data step or the first model's loading; each later one just
      // after this child writes the next file of PROGRESS no child wrote yet, in the phase after it.
      const done = PROGRESS.filter((f) => existsSync(join(killed, 'k', f))).length;
      const after = kills === 0 ? 'config_resolved.json' : PROGRESS[Math.min(done, PROGRESS.length - 1)]!;
      await child(killed, { after, delayMs: rng.int(kills === 0 ? 300 : 400) });
      reached.push(PROGRESS.filter((f) => existsSync(join(killed, 'k', f))).join('+') || 'nothing');
    }
    expect(reached.some((p) => !p.includes('eval_preds')), `some kill lands before the dumps (${reached.join(', ')})`).toBe(true);
    while (!(await child(killed))) kills++;
    for (const file of OUTPUTS) {
      const [a, b] = await Promise.all([readFile(join(whole, 'k', file), 'utf8'), readFile(join(killed, 'k', file), 'utf8')]);
      expect(b, `${file} after ${kills} kills (reached: ${reached.join(', ')})`).toBe(a);
    }
    const preds = (await readFile(join(killed, 'k', 'eval_preds.jsonl'), 'utf8')).trim().split('\n');
    expect(new Set(preds).size).toBe(preds.length);
    const summary = (await readFile(join(killed, '..', 'summary.csv'), 'utf8')).trim().split('\n');
    expect(summary.filter((row) => row.startsWith('k,json-format,'))).toHaveLength(1);
    expect((await readdir(join(killed, 'k'), { recursive: true })).filter((f) => f.includes('.tmp'))).toEqual([]);
  }, 300_000);
});
