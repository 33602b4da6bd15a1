import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkFileName, type ChunkFile } from '../../../recipes/critique/chunks.js';
import { ChunkMergeError } from '../../../recipes/critique/errors.js';
import { mergeModel } from '../../../recipes/critique/merge.js';

const SAMPLING = { n: 1, temperature: 0.7, top_p: 1, top_k: 0, max_tokens: 8, stop: [], seed: 42, prompt_template: '{problem}' };

/** Chunk `id` of model m (chunks of 2 questions), optionally with other sampling or indices. */
function chunk(id: number, o: { temperature?: number; indices?: number[] } = {}): ChunkFile {
  const indices = o.indices ?? [2 * id, 2 * id + 1];
  return {
    meta: { model: 'm', chunk_id: id, chunk_size: 2, question_indices: indices, sampling: { ...SAMPLING, temperature: o.temperature ?? 0.7 }, wgml_version: '0.1.0' },
    records: indices.map((index) => ({ index, problem: `q${index}`, answer: '1', responses: [`r${index}`] })),
  };
}

async function chunkDir(chunks: ChunkFile[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'critique-merge-'));
  // Written out of order: the merge sorts by question index, not by file.
  for (const c of [...chunks].reverse()) await writeFile(join(dir, chunkFileName('m', c.meta.chunk_id)), JSON.stringify(c));
  return dir;
}

describe('merge', () => {
  it('joins every chunk into one file sorted by question index', async () => {
    const dir = await chunkDir([chunk(0), chunk(1), chunk(2)]);
    const merged = await mergeModel(dir, 'm', 6, join(dir, 'merged.json'));
    expect(merged.records.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(merged.meta).toMatchObject({ model: 'm', chunks: 3, questions: 6, sampling: SAMPLING });
    expect(JSON.parse(await readFile(join(dir, 'merged.json'), 'utf8'))).toEqual(merged);
  });

  it('refuses a gap, naming the missing chunk file', async () => {
    const dir = await chunkDir([chunk(0), chunk(2)]);
    await expect(mergeModel(dir, 'm', 6, join(dir, 'merged.json'))).rejects.toThrow(/missing chunks of m in .*: m_chunk_1\.json/);
  });

  it('refuses a question index found in two chunks, naming both files', async () => {
    const dir = await chunkDir([chunk(0), chunk(1, { indices: [1, 2] }), chunk(2, { indices: [3, 4, 5] })]);
    await expect(mergeModel(dir, 'm', 6, join(dir, 'merged.json'))).rejects.toThrow(/question index 1 is in both .*m_chunk_0\.json and .*m_chunk_1\.json/);
  });

  it('refuses chunks made with different sampling parameters, naming the odd one', async () => {
    const dir = await chunkDir([chunk(0), chunk(1, { temperature: 1.0 }), chunk(2)]);
    const error = await mergeModel(dir, 'm', 6, join(dir, 'merged.json')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChunkMergeError);
    expect((error as Error).message).toMatch(/different sampling parameters: .*m_chunk_1\.json differ from .*m_chunk_0\.json/);
  });

  it('writes no merged file when it refuses', async () => {
    const dir = await chunkDir([chunk(0)]);
    await mergeModel(dir, 'm', 4, join(dir, 'merged.json')).catch(() => undefined);
    await expect(readFile(join(dir, 'merged.json'))).rejects.toThrow(/ENOENT/);
  });
});
