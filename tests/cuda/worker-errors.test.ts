// Bad input to the worker: a missing package or a bad prompts row is one line on stderr that says
// what and how to fix it, a non-zero exit, and no output file begun.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeExamples, writePrompts } from '../../src/cuda/pretokenized.js';
import { generateSpec, trainSpec } from '../../src/cuda/plan.js';
import { WORKER_DIR, workerEnv } from '../../src/cuda/worker.js';
import { generateInput, trainInput } from './fixtures.js';
import { PYTHON, TRIED } from './python.js';

function worker(args: string[]): { status: number; stderr: string } {
  try {
    execFileSync(PYTHON!, ['-m', 'wgml_cuda', ...args], { cwd: WORKER_DIR, env: workerEnv(), stdio: 'pipe' });
    return { status: 0, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stderr: Buffer };
    return { status: e.status, stderr: e.stderr.toString() };
  }
}

const hasGpuStack = (() => {
  if (PYTHON === null) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import transformers, peft, bitsandbytes, accelerate, vllm'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(PYTHON === null || hasGpuStack)(`worker errors without the GPU stack (${PYTHON ?? `skipped: none of ${TRIED} is Python 3.10+`})`, () => {
  it('train names the missing packages and the pip command in one line, exit 3, writing nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-cuda-err-'));
    await writeExamples(join(dir, 'train.jsonl'), [{ input_ids: [1, 2, 3], labels: [-100, 2, 3] }]);
    const spec = trainSpec(trainInput(dir, { runDir: join(dir, 'run'), trainFile: join(dir, 'train.jsonl'), examples: 1 }));
    await writeFile(join(dir, 'train.json'), JSON.stringify(spec));
    const { status, stderr } = worker(['train', join(dir, 'train.json')]);
    expect(status).toBe(3);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/MissingPackageError: missing Python packages: .*transformers.*; install them: \S+ -m pip install -r \S+requirements\.txt/);
    expect(await readdir(dir)).toEqual(['train.json', 'train.jsonl']);
  });

  it('generate with chunks to sample names vllm as missing, exit 3, no chunk begun', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-cuda-err-'));
    await writePrompts(join(dir, 'prompts.jsonl'), [{ index: 0, record: { index: 0 }, prompt_token_ids: [1, 2], seeds: [7] }]);
    const spec = generateSpec(generateInput(dir, { promptsFile: join(dir, 'prompts.jsonl'), outDir: join(dir, 'chunks'), chunkIds: [0], sampling: { n: 1, temperature: 0, top_p: 1, top_k: 0, max_tokens: 4, stop: [], seed: 1 } }));
    await writeFile(join(dir, 'gen.json'), JSON.stringify(spec));
    const { status, stderr } = worker(['generate', join(dir, 'gen.json')]);
    expect(status).toBe(3);
    expect(stderr).toMatch(/missing Python packages: .*vllm/);
    expect(await readdir(dir)).not.toContain('chunks');
  });
});

describe.skipIf(PYTHON === null)(`worker errors (${PYTHON ?? `skipped: none of ${TRIED} is Python 3.10+`})`, () => {
  it('a prompts row with too few seeds is named by file and line, exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-cuda-err-'));
    await writeFile(join(dir, 'prompts.jsonl'), JSON.stringify({ index: 0, record: {}, prompt_token_ids: [1], seeds: [] }) + '\n');
    const spec = generateSpec(generateInput(dir, { promptsFile: join(dir, 'prompts.jsonl'), outDir: join(dir, 'chunks'), chunkIds: [0] }));
    await writeFile(join(dir, 'gen.json'), JSON.stringify(spec));
    const { status, stderr } = worker(['generate', join(dir, 'gen.json')]);
    expect(status).toBe(2);
    expect(stderr).toContain(`${join(dir, 'prompts.jsonl')}:1: 0 seeds for sampling.n 8`);
  });

  it('a bad --shard is one line, exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-cuda-err-'));
    await writeFile(join(dir, 'gen.json'), JSON.stringify(generateSpec(generateInput(dir))));
    const { status, stderr } = worker(['generate', join(dir, 'gen.json'), '--shard=3/2']);
    expect([status, stderr.trim()]).toEqual([2, 'wgml_cuda: WorkerError: --shard 3/2: expected K/W with 0 <= K < W']);
  });
});
