// Chunk files from the worker are the WebGPU path's: the same bytes as generate.ts writes for the same
// content, read by the critique recipe's readChunk, and merged with chunks the WebGPU path wrote.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkPath, readChunk, type ChunkFile } from '../../recipes/critique/chunks.js';
import { mergeChunks } from '../../recipes/critique/merge.js';
import { PYTHON, python, TRIED } from './python.js';

const sampling = { n: 2, temperature: 0.7, top_p: 1, top_k: 0, max_tokens: 64, stop: ['\n\n'], seed: 42, prompt_template: "{problem} Let's think step by step." };

function chunk(id: number): ChunkFile {
  const indices = [2 * id, 2 * id + 1];
  return {
    meta: { model: 'tiny', chunk_id: id, chunk_size: 2, question_indices: indices, sampling, wgml_version: '0.1.0' },
    records: indices.map((i) => ({ index: i, problem: `Q${i} — «ünïcode» "quoted"\n`, answer: String(i * 1.5), responses: [`\\boxed{${i}}`, 'tab\there'] })),
  };
}

/** write_chunk from the worker, given the chunk's meta and records as JSON. */
function pythonChunk(interpreter: string, dir: string, c: ChunkFile): string {
  python(interpreter, `import json, sys
from wgml_cuda.chunks import chunk_path, write_chunk
c = json.loads(sys.stdin.read())
write_chunk(chunk_path(${JSON.stringify(dir)}, "tiny", c["meta"]["chunk_id"]), c["meta"], c["records"])`, JSON.stringify(c));
  return chunkPath(dir, 'tiny', c.meta.chunk_id);
}

describe.skipIf(PYTHON === null)(`worker chunk files (${PYTHON ?? `skipped: none of ${TRIED} is Python 3.10+`})`, () => {
  it('have the bytes the WebGPU path writes for the same content', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-cuda-chunks-'));
    const path = pythonChunk(PYTHON!, dir, chunk(0));
    expect(await readFile(path, 'utf8')).toBe(JSON.stringify(chunk(0)) + '\n');
  });

  it('are read by the critique recipe and merge with chunks the WebGPU path wrote', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wgml-cuda-chunks-'));
    const fromWorker = pythonChunk(PYTHON!, dir, chunk(1));
    const fromWebgpu = chunkPath(dir, 'tiny', 0);
    await writeFile(fromWebgpu, JSON.stringify(chunk(0)) + '\n');
    expect((await readChunk(fromWorker)).meta).toEqual(chunk(1).meta);
    const merged = await mergeChunks(dir, [fromWebgpu, fromWorker], 4);
    expect(merged.records.map((r) => r.index)).toEqual([0, 1, 2, 3]);
  });
});
