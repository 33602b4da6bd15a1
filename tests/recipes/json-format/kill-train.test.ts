// Kill -9 at moments of json-format's train step keyed to its progress (its first metrics row, then each checkpoint),
// rerun each time, and get the uninterrupted run's adapter and per-step generation dumps byte for
// byte, each step's metrics row once, no temporary file.
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonFormat } from '../../../recipes/json-format/recipe.js';
import { runRecipe } from '../../../recipes/kit/recipe.js';
import { Rng } from '../../../src/cpu/random.js';
import { testDevice } from '../../helpers/gpu.js';
import { runKillable } from '../../helpers/killable-child.js';
import { killTrainConfig } from './fixtures/kill-config.js';

const CONFIG = new URL('./fixtures/vitest.config.ts', import.meta.url).pathname;
const FIXTURE = 'tests/recipes/json-format/fixtures/train.fixture.ts';

const runsDir = async () => join(await mkdtemp(join(tmpdir(), 'wgml-jf-kill-train-')), 'runs', 'json-format');
const read = (run: string, file: string) => readFile(join(run, 'k', file));

async function metricSteps(run: string): Promise<{ step: number; scalars?: Record<string, number> }[]> {
  const rows = (await read(run, 'metrics.jsonl')).toString().trim().split('\n');
  return rows.map((l) => JSON.parse(l) as { step: number; scalars?: Record<string, number> }).map(({ step, scalars }) => ({ step, ...(scalars && { scalars }) }));
}

describe('kill -9 during json-format training', () => {
  it('resumed runs write the uninterrupted adapter and generation dumps byte for byte, each step logged once, no .tmp left', async () => {
    const device = await testDevice();
    const whole = await runsDir();
    const config = await killTrainConfig(whole);
    await runRecipe(jsonFormat, config, { step: 'data', log: () => undefined, device });
    await runRecipe(jsonFormat, config, { step: 'train', log: () => undefined, device });

    const killed = await runsDir();
    const rng = new Rng(20);
    const checkpoints = () => (existsSync(join(killed, 'k', 'checkpoints')) ? readdirSync(join(killed, 'k', 'checkpoints')).filter((n) => !n.includes('.tmp')).length : 0);
    const reached: number[] = [];
    let kills = 0;
    for (; kills < 4; kills++) {
      // The first kill lands around step 0's evaluation, kill k just after this child writes checkpoint-k.
      const after = kills === 0 ? 'metrics.jsonl' : `checkpoints/checkpoint-${kills}`;
      await runKillable(CONFIG, [FIXTURE], { WGML_JF_OUT: killed }, { file: join(killed, 'k', after), delayMs: rng.int(1500) });
      reached.push(checkpoints());
    }
    expect(reached.some((n) => n > 0 && n < 4), `some kill lands between checkpoints (checkpoints after each kill: ${reached.join(', ')})`).toBe(true);
    while (!(await runKillable(CONFIG, [FIXTURE], { WGML_JF_OUT: killed }))) kills++;

    const dumps = (await readdir(join(whole, 'k', 'generations'))).sort();
    expect(dumps).toHaveLength(5);
    expect((await readdir(join(killed, 'k', 'generations'))).sort()).toEqual(dumps);
    for (const file of ['adapter/adapter_model.safetensors', ...dumps.map((d) => `generations/${d}`)]) {
      expect(Buffer.compare(await read(killed, file), await read(whole, file)), `${file} after ${kills} kills (checkpoints after each: ${reached.join(', ')})`).toBe(0);
    }
    expect(await metricSteps(killed)).toEqual(await metricSteps(whole));
    expect((await readdir(join(killed, 'k'), { recursive: true })).filter((f) => f.includes('.tmp'))).toEqual([]);
  }, 300_000);
});
