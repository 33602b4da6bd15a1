// The merge step over files: one model's chunk files into one file sorted by question index. It
// refuses, naming them, chunks made with other sampling parameters, indices found twice, and chunks
// or indices that are missing, so a merged file is always the whole question set sampled one way.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { chunkCount, chunkFileName, chunkFilePattern, readChunk, type ChunkFile, type SampledQuestion } from './chunks.js';
import type { SamplingParams } from './config.js';
import { ChunkMergeError } from './errors.js';

export interface MergedFile {
  meta: { model: string; sampling: SamplingParams; chunk_size: number; chunks: number; questions: number; wgml_version: string };
  records: SampledQuestion[];
}

const paramsKey = (c: ChunkFile) => JSON.stringify({ sampling: c.meta.sampling, chunk_size: c.meta.chunk_size, model: c.meta.model });

function checkSameParameters(chunks: readonly { path: string; chunk: ChunkFile }[]): void {
  const first = chunks[0]!;
  const odd = chunks.filter((c) => paramsKey(c.chunk) !== paramsKey(first.chunk));
  if (odd.length) throw new ChunkMergeError(`chunks made with different sampling parameters: ${odd.map((c) => c.path).join(', ')} differ from ${first.path} (${paramsKey(first.chunk)} vs ${paramsKey(odd[0]!.chunk)}); regenerate them with one config`);
}

function checkNoDuplicates(chunks: readonly { path: string; chunk: ChunkFile }[]): void {
  const seen = new Map<number, string>();
  for (const { path, chunk } of chunks) {
    for (const r of chunk.records) {
      const other = seen.get(r.index);
      if (other !== undefined) throw new ChunkMergeError(`question index ${r.index} is in both ${other} and ${path}; remove the stray chunk file`);
      seen.set(r.index, path);
    }
  }
}

function checkComplete(dir: string, chunks: readonly { path: string; chunk: ChunkFile }[], total: number): void {
  const { model, chunk_size } = chunks[0]!.chunk.meta;
  const ids = new Set(chunks.map((c) => c.chunk.meta.chunk_id));
  const missing = Array.from({ length: chunkCount(total, chunk_size) }, (_, i) => i).filter((i) => !ids.has(i));
  if (missing.length) throw new ChunkMergeError(`missing chunks of ${model} in ${dir}: ${missing.map((i) => chunkFileName(model, i)).join(', ')}; run generate for them (generate.chunk_id)`);
  const have = new Set(chunks.flatMap((c) => c.chunk.records.map((r) => r.index)));
  const gaps = Array.from({ length: total }, (_, i) => i).filter((i) => !have.has(i));
  if (gaps.length) throw new ChunkMergeError(`chunk files of ${model} in ${dir} lack question indices ${gaps.slice(0, 10).join(', ')}${gaps.length > 10 ? ', …' : ''}; regenerate the chunks holding them`);
}

/** The chunk files of `paths` as one file; `total` is the number of questions they must cover. */
export async function mergeChunks(dir: string, paths: readonly string[], total: number): Promise<MergedFile> {
  if (paths.length === 0) throw new ChunkMergeError(`no chunk files in ${dir}; run generate first`);
  const chunks = await Promise.all(paths.map(async (path) => ({ path, chunk: await readChunk(path) })));
  checkSameParameters(chunks);
  checkNoDuplicates(chunks);
  checkComplete(dir, chunks, total);
  const { model, sampling, chunk_size, wgml_version } = chunks[0]!.chunk.meta;
  const records = chunks.flatMap((c) => c.chunk.records).sort((a, b) => a.index - b.index);
  return { meta: { model, sampling, chunk_size, chunks: chunks.length, questions: records.length, wgml_version }, records };
}

/** Every chunk file of `model` in `dir`, merged into `out` (written atomically). */
export async function mergeModel(dir: string, model: string, total: number, out: string): Promise<MergedFile> {
  const pattern = chunkFilePattern(model);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => pattern.test(n)).sort();
  const merged = await mergeChunks(dir, names.map((n) => join(dir, n)), total);
  await writeFileAtomic(out, JSON.stringify(merged) + '\n');
  return merged;
}
