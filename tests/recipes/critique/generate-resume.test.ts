// A generate killed between chunks and run again gives the same merged file as one uninterrupted
// run, and the chunk files do not depend on the engine's batch size.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateChunks, type GenerateJob } from '../../../recipes/critique/generate.js';
import { mergeModel } from '../../../recipes/critique/merge.js';
import { readQuestions } from '../../../recipes/critique/questions.js';
import { testDevice } from '../../helpers/gpu.js';

const SAMPLING = { n: 2, temperature: 0.7, top_p: 1, top_k: 0, max_tokens: 6, stop: [], seed: 9, prompt_template: '{problem}' };

describe('generate', async () => {
  const device = await testDevice();
  const questions = await readQuestions('data/critique/questions.json', 4);
  const job = (outDir: string, o: Partial<GenerateJob> = {}): GenerateJob => ({
    questions, modelDir: 'models/qwen3-tiny', outDir, sampling: SAMPLING, chunkSize: 2, chunkIds: [0, 1], maxBatch: 8, device, log: () => undefined, ...o,
  });

  const whole = await mkdtemp(join(tmpdir(), 'critique-whole-'));
  const wholeMerged = async () => {
    if (!existsSync(join(whole, 'merged.json'))) {
      await generateChunks(job(whole));
      await mergeModel(whole, 'qwen3-tiny', 4, join(whole, 'merged.json'));
    }
    return readFile(join(whole, 'merged.json'), 'utf8');
  };

  it('resumed after a kill between chunks, merges to the same file as an uninterrupted run at another batch size', async () => {
    const expected = await wholeMerged();

    const resumed = await mkdtemp(join(tmpdir(), 'critique-resumed-'));
    const kill = new AbortController();
    const killAfterFirst = (line: string) => line.includes('written') && kill.abort(new Error('killed'));
    await expect(generateChunks(job(resumed, { maxBatch: 3, signal: kill.signal, log: killAfterFirst }))).rejects.toThrow('killed');
    expect((await readdir(resumed)).sort()).toEqual(['qwen3-tiny_chunk_0.json']);

    const lines: string[] = [];
    await generateChunks(job(resumed, { maxBatch: 3, log: (l) => lines.push(l) }));
    expect(lines[0]).toContain('1 of 2 chunks to sample (1 done already)');

    const merged = await mergeModel(resumed, 'qwen3-tiny', 4, join(resumed, 'merged.json'));
    expect(await readFile(join(resumed, 'merged.json'), 'utf8')).toBe(expected);
    expect(merged.records.flatMap((r) => r.responses).every((t) => t.length > 0)).toBe(true);
  });

  it('killed midway through a chunk leaves no file of it, and a rerun samples it whole', async () => {
    const expected = await wholeMerged();
    const dir = await mkdtemp(join(tmpdir(), 'critique-midchunk-'));
    const kill = new AbortController();
    // The first progress line comes when the chunk's first question is done and its second is not.
    const killMidway = (line: string) => line.includes('chunk 0 (1/2) · 1/4 questions') && kill.abort(new Error('killed'));
    await expect(generateChunks(job(dir, { signal: kill.signal, log: killMidway }))).rejects.toThrow('killed');
    expect(await readdir(dir)).toEqual([]);
    await generateChunks(job(dir));
    await mergeModel(dir, 'qwen3-tiny', 4, join(dir, 'merged.json'));
    expect(await readFile(join(dir, 'merged.json'), 'utf8')).toBe(expected);
  });

  it('gives the same samples whatever the chunk size', async () => {
    const expected = JSON.parse(await wholeMerged()) as { records: unknown[] };
    const dir = await mkdtemp(join(tmpdir(), 'critique-chunk4-'));
    await generateChunks(job(dir, { chunkSize: 4, chunkIds: [0] }));
    const merged = await mergeModel(dir, 'qwen3-tiny', 4, join(dir, 'merged.json'));
    expect(merged.records).toEqual(expected.records);
  });

  it('refuses a finished chunk made with other parameters, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'critique-params-'));
    await generateChunks(job(dir, { chunkIds: [0] }));
    await expect(generateChunks(job(dir, { chunkIds: [0], sampling: { ...SAMPLING, seed: 10 } }))).rejects.toThrow(/qwen3-tiny_chunk_0\.json was made with other parameters/);
  });

  it('names the question row whose prompt and max_tokens do not fit the context, before sampling any', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'critique-long-'));
    await expect(generateChunks(job(dir, { sampling: { ...SAMPLING, max_tokens: 500 } }))).rejects.toThrow(/question row 0: its prompt has \d+ tokens and generate.max_tokens is 500/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('names the model directory that does not load', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'critique-nomodel-'));
    await expect(generateChunks(job(dir, { modelDir: join(dir, 'no-such-model') }))).rejects.toThrow(/model .*no-such-model does not load/);
    expect(await readdir(dir)).toEqual([]);
  });
});
