// Chunk files: the questions split into runs of chunk_size, each model's samples of one run in
// `<model>_chunk_<id>.json` with the metadata needed to check it before merging. A chunk file holds
// nothing that depends on the batch size or the clock, so the same seed writes the same bytes.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import type { SamplingParams } from './config.js';
import { CritiqueFileError } from './errors.js';

export interface ChunkMeta {
  model: string;
  chunk_id: number;
  chunk_size: number;
  question_indices: number[];
  sampling: SamplingParams;
  wgml_version: string;
}

export interface SampledQuestion {
  index: number;
  problem: string;
  answer: string;
  responses: string[];
}

export interface ChunkFile {
  meta: ChunkMeta;
  records: SampledQuestion[];
}

/** The name a model's files go by: its directory's basename. */
export function modelName(dir: string): string {
  return basename(dir.replace(/[/\\]+$/, ''));
}

export function chunkFileName(model: string, id: number): string {
  return `${model}_chunk_${id}.json`;
}

export function chunkCount(questions: number, chunkSize: number): number {
  return Math.ceil(questions / chunkSize);
}

/** Question indices of chunk `id`: [id·size, min((id+1)·size, total)). */
export function chunkRange(id: number, chunkSize: number, total: number): { start: number; end: number } {
  return { start: id * chunkSize, end: Math.min((id + 1) * chunkSize, total) };
}

/** The chunk ids a selection names (all when null), each checked against the chunk count. */
export function selectChunks(selection: number | string | null, count: number, questionsFile: string, chunkSize: number): number[] {
  if (selection === null) return Array.from({ length: count }, (_, i) => i);
  const [lo, hi] = typeof selection === 'number' ? [selection, selection] : selection.split('-').map(Number) as [number, number];
  if (lo > hi) throw new ConfigError(`--chunk-id ${selection} (generate.chunk_id): the range runs backwards`);
  if (hi >= count) throw new ConfigError(`--chunk-id ${selection} (generate.chunk_id): ${questionsFile} makes ${count} chunks (ids 0-${count - 1}) of --chunk-size ${chunkSize}`);
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/** The names of `model`'s chunk files in a directory listing. */
export function chunkFilePattern(model: string): RegExp {
  return new RegExp(`^${model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_chunk_(\\d+)\\.json$`);
}

export async function readChunk(path: string): Promise<ChunkFile> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CritiqueFileError(`${path}: cannot read the chunk file (${error.code ?? error.message})`);
  });
  let chunk: ChunkFile;
  try {
    chunk = JSON.parse(text) as ChunkFile;
  } catch (error) {
    throw new CritiqueFileError(`${path}: not valid JSON (${(error as Error).message}); delete it and rerun generate`);
  }
  if (!chunk.meta || !Array.isArray(chunk.records) || !Array.isArray(chunk.meta.question_indices)) throw new CritiqueFileError(`${path}: not a chunk file (no meta or records)`);
  return chunk;
}

export function chunkPath(dir: string, model: string, id: number): string {
  return join(dir, chunkFileName(model, id));
}
