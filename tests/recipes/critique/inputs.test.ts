import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkRange, selectChunks } from '../../../recipes/critique/chunks.js';
import { workerCommands, workerPlans } from '../../../recipes/critique/commands.js';
import { CritiqueConfigSchema } from '../../../recipes/critique/config.js';
import { QuestionsFileError } from '../../../recipes/critique/errors.js';
import { readQuestions } from '../../../recipes/critique/questions.js';
import { models } from '../../../recipes/critique/steps.js';

async function questionsFile(text: string, name = 'q.json'): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'critique-q-')), name);
  await writeFile(path, text);
  return path;
}

describe('questions file', () => {
  it('reads DeepScaleR rows (a JSON array) and GSM8K-style JSONL rows alike', async () => {
    const json = await questionsFile(JSON.stringify([{ problem: 'p', answer: 3, solution: 's' }]));
    const jsonl = await questionsFile('{"question":"p","answer":"3"}\n\n', 'q.jsonl');
    expect(await readQuestions(json)).toEqual([{ index: 0, problem: 'p', answer: '3', solution: 's' }]);
    expect(await readQuestions(jsonl)).toEqual([{ index: 0, problem: 'p', answer: '3' }]);
  });

  it('names the file and row of a question without an answer', async () => {
    const path = await questionsFile(JSON.stringify([{ problem: 'a', answer: '1' }, { problem: 'b' }]));
    const error = await readQuestions(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuestionsFileError);
    expect((error as Error).message).toBe(`${path} row 1: no "answer" field; every row needs its ground-truth answer`);
  });

  it('names the line of JSONL that does not parse', async () => {
    const path = await questionsFile('{"problem":"a","answer":"1"}\n{oops\n', 'q.jsonl');
    await expect(readQuestions(path)).rejects.toThrow(`${path} line 2: not valid JSON`);
  });
});

describe('chunks and workers', () => {
  it('cuts the last chunk short at the end of the questions', () => {
    expect([chunkRange(0, 4, 10), chunkRange(2, 4, 10)]).toEqual([{ start: 0, end: 4 }, { start: 8, end: 10 }]);
  });

  it('selects one chunk, a range, or all', () => {
    expect([selectChunks(1, 3, 'q', 4), selectChunks('1-2', 3, 'q', 4), selectChunks(null, 3, 'q', 4)]).toEqual([[1], [1, 2], [0, 1, 2]]);
  });

  it('refuses a chunk id past the end, naming the questions file and the chunk count', () => {
    expect(() => selectChunks(3, 3, 'data/q.json', 4)).toThrow('--chunk-id 3 (generate.chunk_id): data/q.json makes 3 chunks (ids 0-2) of --chunk-size 4');
  });

  it('splits chunks over workers in contiguous ranges differing by at most one', () => {
    expect(workerPlans(10, 4).map((p) => [p.first, p.last])).toEqual([[0, 2], [3, 5], [6, 7], [8, 9]]);
    expect(workerPlans(2, 8)).toHaveLength(2);
  });

  it('prints one generate command per worker on the same config and run', () => {
    const lines = workerCommands(workerPlans(3, 2), { config: 'runs/x/worker_config.json', run: 'x' });
    expect(lines).toEqual([
      'npx recipe critique generate --config runs/x/worker_config.json --run x --chunk-id 0-1   # worker 0: chunks 0-1',
      'npx recipe critique generate --config runs/x/worker_config.json --run x --chunk-id 2   # worker 1: chunks 2',
    ]);
  });
});

describe('models', () => {
  it('refuses two model directories with the same basename, whose chunk files would collide', () => {
    const c = CritiqueConfigSchema.parse({ model: 'a/qwen', other_models: ['b/qwen'] });
    expect(() => models(c)).toThrow(/two models are named qwen/);
  });
});
