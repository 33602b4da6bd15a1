// The critique recipe's own flags through the built `recipe` command: --chunk-size, --chunk-id,
// --workers and --analyze set their config fields, bad values fail naming the flag, and
// `commands --workers K` prints one line per worker (vLLM worker processes under --backend cuda).
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { critique } from '../../../recipes/critique/recipe.js';
import { WORKER_DIR } from '../../../src/cuda/worker.js';
import { printedSpecs, recipeCli } from '../../cli/recipe-cli.js';

const env = { WGML_PYTHON: 'python3' };
/** The shipped questions file has 48 questions: 6 chunks of 8. */
const workerLines = (stdout: string) => stdout.split('\n').filter((l) => /# worker \d+/.test(l));

describe('critique commands --workers K', () => {
  it('prints one generate command per worker over contiguous chunk ranges', async () => {
    const run = await recipeCli(['critique', 'commands', '--run', 'w', '--workers', '4', '--chunk-size', '8']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('6 chunks over 4 workers (--workers 4)');
    expect(workerLines(run.stdout).map((l) => /--chunk-id (\S+)/.exec(l)![1])).toEqual(['0-1', '2-3', '4', '5']);
    const config = JSON.parse(await readFile(join(run.cwd, 'runs', 'critique', 'w', 'worker_config.json'), 'utf8')) as { generate: { chunk_size: number }; commands: { workers: number } };
    expect([config.generate.chunk_size, config.commands.workers]).toEqual([8, 4]);
  });

  it('with --backend cuda prints each worker its vLLM processes, one per model, pinned to its GPU and its shard', async () => {
    const run = await recipeCli(['critique', 'commands', '--run', 'w', '--workers', '4', '--chunk-size', '8', '--backend', 'cuda'], env);
    const cuda = join(run.cwd, 'runs', 'critique', 'w', 'cuda');
    expect(run.code).toBe(0);
    const line = (w: number, model: string) => `PYTHONPATH=${WORKER_DIR} CUDA_VISIBLE_DEVICES=${w} python3 -m wgml_cuda generate ${join(cuda, `generate-${model}.json`)} --shard=${w}/4`;
    expect(workerLines(run.stdout)).toEqual([0, 1, 2, 3].map((w) => `${line(w, 'qwen3-tiny')} && ${line(w, 'qwen3-tiny-b')}   # worker ${w}: chunks ${['0-1', '2-3', '4', '5'][w]}`));
    const spec = JSON.parse(await readFile(join(cuda, 'generate-qwen3-tiny.json'), 'utf8')) as { chunk_ids: number[]; chunk_size: number; gpus: number };
    expect([spec.chunk_ids, spec.chunk_size, spec.gpus]).toEqual([[0, 1, 2, 3, 4, 5], 8, 4]);
    expect(existsSync(join(cuda, 'qwen3-tiny-b.prompts.jsonl'))).toBe(true);
  });
});

describe('--chunk-id and --chunk-size', () => {
  it('select the chunks a generate run samples (a range, here in a dry run on the CUDA path)', async () => {
    const run = await recipeCli(['critique', 'generate', '--run', 'g', '--chunk-size', '8', '--chunk-id', '2-4', '--backend', 'cuda', '--dry-run'], env);
    const spec = printedSpecs(run.stdout).get(join(run.cwd, 'runs', 'critique', 'g', 'cuda', 'generate-qwen3-tiny.json')) as { chunk_ids: number[]; chunk_size: number };
    expect([run.code, spec.chunk_ids, spec.chunk_size]).toEqual([0, [2, 3, 4], 8]);
  });

  it('refuse a chunk id past the end, naming the questions file and the chunk count, and leave no run', async () => {
    const run = await recipeCli(['critique', 'generate', '--run', 'g', '--chunk-size', '16', '--chunk-id', '3']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--chunk-id 3 \(generate\.chunk_id\): \S*data\/critique\/questions\.json makes 3 chunks \(ids 0-2\) of --chunk-size 16/);
    expect(existsSync(join(run.cwd, 'runs', 'critique', 'g'))).toBe(false);
  });

  it('refuse values that are not chunk ids or positive counts, naming the flag', async () => {
    const runs = await Promise.all([['--chunk-id', 'x'], ['--chunk-size', '0'], ['--chunk-size', '1.5'], ['--workers', '0']].map((flag) => recipeCli(['critique', 'commands', ...flag])));
    expect(runs.map((r) => [r.code, r.stderr.split(':')[1]])).toEqual([[1, ' --chunk-id'], [1, ' --chunk-size'], [1, ' --chunk-size'], [1, ' --workers']]);
  });

  it("are refused on a recipe that has no chunks", async () => {
    const run = await recipeCli(['gsm8k-qlora', '--chunk-size', '8']);
    expect([run.code, run.stderr.trim()]).toEqual([1, 'ConfigError: --chunk-size is a flag of critique, not of gsm8k-qlora']);
  });
});

describe('--analyze', () => {
  it('prints the right/wrong distribution of an existing critique.jsonl without rewriting it', async () => {
    const first = await recipeCli(['critique', 'critique', '--analyze', '--run', 'a']);
    expect(first.stderr).toMatch(/does not exist/);
    const dir = join(first.cwd, 'runs', 'critique', 'a');
    await mkdir(dir, { recursive: true });
    const row = (model: string, target: string) => JSON.stringify({ question_index: 0, model, sample_index: 0, problem: 'p', answer: '1', solution: 's', extracted: '1', target, prompt: 'q' });
    const text = [row('m1', 'right'), row('m1', 'wrong'), row('m2', 'right')].join('\n') + '\n';
    await writeFile(join(dir, 'critique.jsonl'), text);
    const run = await recipeCli(['critique', 'critique', '--analyze', '--run', 'a'], {}, first.cwd);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/m1\s+1\s+1\s+2/);
    expect(run.stdout).toMatch(/overall\s+2\s+1\s+3/);
    expect(await readFile(join(dir, 'critique.jsonl'), 'utf8')).toBe(text);
  });

  it('sets the analyze field of the step it is given, and asks for a step otherwise', () => {
    const analyze = critique.flags!.find((f) => f.name === 'analyze')!;
    expect([analyze.sets(true as never, 'critique'), analyze.sets(true as never, 'format')]).toEqual([{ 'critique.analyze': true }, { 'format.analyze': true }]);
    expect(() => analyze.sets(true as never, undefined)).toThrow(/--analyze reads what the critique or format step wrote: name one/);
  });
});
