// The real `recipe` command (dist/, built by `npm install`) on the shipped tiny default: its exit status, and
// figures in results.json that follow from the per-item files they summarise.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { openSafetensors } from '../../../src/io/safetensors.js';

const exec = promisify(execFile);
const ROOT = new URL('../../..', import.meta.url).pathname;
const RECIPE = join(ROOT, 'dist/src/cli/recipe.js');

interface Run {
  code: number;
  output: string;
  dir: string;
  summary: string;
}

/** `recipe gsm8k-qlora ARGS` in a fresh output directory: exit status, stdout + stderr, run directory. */
async function recipe(args: string[]): Promise<Run> {
  const out = await mkdtemp(join(tmpdir(), 'wgml-gsm8k-qlora-'));
  const argv = [RECIPE, 'gsm8k-qlora', '--run', 'smoke', '--set', `output_dir=${join(out, 'runs', 'gsm8k-qlora')}`, ...args];
  const result = await exec(process.execPath, argv, { cwd: ROOT, maxBuffer: 64 << 20 }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, output: e.stdout + e.stderr }),
  );
  return { ...result, dir: join(out, 'runs', 'gsm8k-qlora', 'smoke'), summary: join(out, 'runs', 'summary.csv') };
}

const readJson = async <T>(file: string) => JSON.parse(await readFile(file, 'utf8')) as T;
const readJsonl = async <T>(file: string) => (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as T);
const mean = (xs: boolean[]) => xs.filter(Boolean).length / Math.max(1, xs.length);

interface Results {
  base: { accuracy: number; safety: number | null };
  tuned: { accuracy: number; safety: number | null };
  chosenCheckpoint: string;
  passed: boolean;
}
interface Resolved {
  thresholds: { accuracy: number; safety: number };
}

function csv(text: string): Record<string, string>[] {
  const [head, ...rows] = text.trim().split('\n');
  const keys = head!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [keys[i]!, v])));
}

describe('`recipe gsm8k-qlora --preset medium --smoke --set thresholds.accuracy=1` on the shipped tiny default', () => {
  let run: Run;
  let results: Results;

  beforeAll(async () => {
    expect(existsSync(RECIPE), `${RECIPE}: run npm run build`).toBe(true);
    run = await recipe(['--preset', 'medium', '--smoke', '--set', 'data.refine=true', '--set', 'data.test_limit=4', '--set', 'safety.limit=2', '--set', 'few_shot.k=1', '--set', 'thresholds.accuracy=1']);
    results = await readJson<Results>(join(run.dir, 'results.json'));
  }, 600_000);

  it('writes every output file', () => {
    for (const file of ['config_resolved.json', 'few_shot_pool.jsonl', 'train_refined.jsonl', 'adapter/adapter_config.json', 'adapter/adapter_model.safetensors', 'checkpoints/checkpoint-2', 'checkpoints/checkpoint-4', 'checkpoint_scores.csv', 'gsm8k_preds.jsonl', 'safety_preds.jsonl', 'safety_scores.jsonl', 'metrics.jsonl', 'tensorboard', 'loss_curve.svg', 'results.json']) {
      expect(existsSync(join(run.dir, file)), file).toBe(true);
    }
    expect(run.output).toMatch(/gsm8k accuracy .*\n(.*\n)*.*safe, fine-tuned/);
  });

  it('reports each model’s accuracy as the mean of `correct` over its predictions, both models on the same items', async () => {
    const preds = await readJsonl<{ model: string; correct: boolean; gold: string }>(join(run.dir, 'gsm8k_preds.jsonl'));
    const of = (m: string) => preds.filter((p) => p.model === m);
    expect(of('base')).toHaveLength(4);
    expect(of('finetuned').map((p) => p.gold)).toEqual(of('base').map((p) => p.gold));
    expect(results.base.accuracy).toBe(mean(of('base').map((p) => p.correct)));
    expect(results.tuned.accuracy).toBe(mean(of('finetuned').map((p) => p.correct)));
  });

  it('reports each model’s safety rate as the share of its responses the judge labels safe, scores in [0, 1]', async () => {
    const scores = await readJsonl<{ model: string; label: string; score: number }>(join(run.dir, 'safety_scores.jsonl'));
    expect(scores).toHaveLength(4);
    for (const s of scores) expect(s.score).toBeGreaterThanOrEqual(0);
    for (const s of scores) expect(s.score).toBeLessThanOrEqual(1);
    expect(results.base.safety).toBe(mean(scores.filter((s) => s.model === 'base').map((s) => s.label === 'safe')));
    expect(results.tuned.safety).toBe(mean(scores.filter((s) => s.model === 'finetuned').map((s) => s.label === 'safe')));
    for (const x of [results.base.accuracy, results.tuned.accuracy, results.base.safety!, results.tuned.safety!]) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
    }
  });

  it('passes exactly when the fine-tuned accuracy and safety both reach their thresholds, and says so in summary.csv', async () => {
    const { thresholds } = await readJson<Resolved>(join(run.dir, 'config_resolved.json'));
    expect(results.passed).toBe(results.tuned.accuracy >= thresholds.accuracy && results.tuned.safety! >= thresholds.safety);
    const [row, ...more] = csv(await readFile(run.summary, 'utf8'));
    expect(more).toEqual([]);
    expect(row).toMatchObject({ run: 'smoke', recipe: 'gsm8k-qlora', accuracy: results.tuned.accuracy.toFixed(4), base_accuracy: results.base.accuracy.toFixed(4), chosen_checkpoint: results.chosenCheckpoint, result: results.passed ? 'PASS' : 'FAIL' });
  });

  it('exits 2 when the run FAILs (an accuracy threshold of 1 that 4 items on the tiny model miss)', () => {
    expect(results.tuned.accuracy).toBeLessThan(1);
    expect(results.passed).toBe(false);
    expect(run.code, run.output.slice(-2000)).toBe(2);
  });

  it('keeps the checkpoint with the best dev accuracy in checkpoint_scores.csv (the latest on ties)', async () => {
    const rows = csv(await readFile(join(run.dir, 'checkpoint_scores.csv'), 'utf8'));
    expect(rows.map((r) => r.checkpoint)).toEqual(['checkpoint-2', 'checkpoint-4']);
    for (const r of rows) expect(Number(r.dev_accuracy)).toBeGreaterThanOrEqual(0);
    for (const r of rows) expect(Number(r.dev_accuracy)).toBeLessThanOrEqual(1);
    const best = rows.reduce((a, b) => (Number(b.dev_accuracy) >= Number(a.dev_accuracy) ? b : a));
    expect(results.chosenCheckpoint).toBe(best.checkpoint);
  });

  it('saves an adapter whose every lora_B has moved off its zero init', async () => {
    const reader = await openSafetensors(join(run.dir, 'adapter/adapter_model.safetensors'));
    const names = reader.names().filter((n) => n.includes('lora_B'));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect((await reader.readF32(name)).some((v) => v !== 0), name).toBe(true);
    await reader.close();
  });
});

describe('`recipe gsm8k-qlora` whose thresholds are met', () => {
  it('exits 0 with PASS in results.json and summary.csv', { timeout: 600_000 }, async () => {
    const run = await recipe(['--smoke', '--set', 'thresholds.accuracy=0', '--set', 'thresholds.safety=0', '--set', 'safety.enabled=false', '--set', 'sweep.enabled=false', '--set', 'data.test_limit=1', '--set', 'train.max_steps=1', '--set', 'few_shot.k=0']);
    expect(run.code, run.output.slice(-2000)).toBe(0);
    expect((await readJson<Results>(join(run.dir, 'results.json'))).passed).toBe(true);
    expect(csv(await readFile(run.summary, 'utf8'))[0]!.result).toBe('PASS');
  });
});
