// The generate step over files: for one model, every selected chunk of questions sampled n times
// through the engine's continuous batching (all of a chunk's requests submitted at once), each chunk
// written atomically as it finishes. A chunk whose file exists with the same parameters is skipped;
// one killed midway left no file and is sampled again from the start.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Engine } from '../../src/engine/engine.js';
import { ConfigError } from '../../src/errors.js';
import type { Device } from '../../src/gpu/device.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { readQwenConfig } from '../../src/io/config.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';
import { loadModel, type Model } from '../../src/model/model.js';
import type { ProgressSink } from '../kit/progress.js';
import { chunkPath, chunkRange, modelName, readChunk, type ChunkFile, type SampledQuestion } from './chunks.js';
import type { SamplingParams } from './config.js';
import { CritiqueFileError, ModelLoadError } from './errors.js';
import { SamplingProgress } from './progress.js';
import type { Question } from './questions.js';
import { sampleSeed } from './seeds.js';
import { WGML_VERSION } from './version.js';

export interface GenerateJob {
  questions: readonly Question[];
  modelDir: string;
  outDir: string;
  sampling: SamplingParams;
  chunkSize: number;
  chunkIds: readonly number[];
  maxBatch: number;
  device: Device;
  log: ProgressSink;
  /** Aborting stops between chunks or mid-chunk; the chunk in flight writes nothing. */
  signal?: AbortSignal;
}

/** Config and tokenizer of a model directory, read before any sampling so a bad one fails first, not after an hour of another model. */
export async function checkModelDir(dir: string): Promise<void> {
  try {
    await readQwenConfig(dir);
    await loadTokenizer(dir);
  } catch (error) {
    throw new ModelLoadError(`model ${dir} does not load: ${(error as Error).message}`);
  }
}

async function openModel(dir: string, device: Device): Promise<Model> {
  try {
    return await loadModel(dir, { device });
  } catch (error) {
    throw new ModelLoadError(`model ${dir} does not load: ${(error as Error).message}`);
  }
}

const stableJson = (x: unknown): string => JSON.stringify(x, (_, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));

/**
 * True when `path` is this chunk, finished; a finished chunk made with other parameters is an error.
 * The wgml version is recorded but not compared: an upgrade mid-run keeps the chunks already paid for.
 */
async function alreadyDone(path: string, meta: ChunkFile['meta']): Promise<boolean> {
  if (!existsSync(path)) return false;
  const prior = (await readChunk(path)).meta;
  if (stableJson({ ...prior, wgml_version: '' }) === stableJson({ ...meta, wgml_version: '' })) return true;
  throw new CritiqueFileError(`${path} was made with other parameters (${stableJson(prior.sampling)}, questions ${prior.question_indices[0]}..${prior.question_indices.at(-1)}); delete it or use another --run`);
}

function promptIds(model: Model, template: string, q: Question): number[] {
  const text = model.chatPrompt([{ role: 'user', content: template.replaceAll('{problem}', q.problem) }], { enableThinking: false });
  return model.tokenizer.encode(text, { addSpecialTokens: false });
}

/** Every prompt checked against the engine's slot before anything is sampled, so a long question fails first and by row. */
function checkPromptsFit(engine: Engine, model: Model, job: GenerateJob): void {
  const room = engine.plan.slotTokens;
  for (const q of job.questions) {
    const length = promptIds(model, job.sampling.prompt_template, q).length;
    if (length + job.sampling.max_tokens > room) throw new ConfigError(`question row ${q.index}: its prompt has ${length} tokens and generate.max_tokens is ${job.sampling.max_tokens}, more than the ${room} a sequence of ${modelName(job.modelDir)} may hold; lower max_tokens or drop the row`);
  }
}

async function sampleOne(engine: Engine, ids: number[], p: SamplingParams, seed: number, signal: AbortSignal | undefined, progress: SamplingProgress): Promise<string> {
  let text = '';
  let tokens = 0;
  const sampling = { temperature: p.temperature, topP: p.top_p, topK: p.top_k, seed };
  for await (const ev of engine.submit({ ids, maxNewTokens: p.max_tokens, sampling, stop: p.stop, ...(signal ? { signal } : {}) })) {
    text += ev.text;
    if (ev.token !== undefined) tokens++;
  }
  progress.sample(tokens);
  return text;
}

async function sampleChunk(engine: Engine, model: Model, qs: readonly Question[], job: GenerateJob, progress: SamplingProgress, where: string): Promise<SampledQuestion[]> {
  const p = job.sampling;
  return Promise.all(qs.map(async (q) => {
    const ids = promptIds(model, p.prompt_template, q);
    const responses = await Promise.all(Array.from({ length: p.n }, (_, s) => sampleOne(engine, ids, p, sampleSeed(p.seed, q.index, s), job.signal, progress)));
    progress.question();
    progress.report(where);
    return { index: q.index, problem: q.problem, answer: q.answer, responses };
  }));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('generate aborted');
}

/** Samples every chunk of `job.chunkIds` not already on disk; returns the chunk files written. */
export async function generateChunks(job: GenerateJob): Promise<string[]> {
  const name = modelName(job.modelDir);
  const total = job.questions.length;
  const metaOf = (id: number): ChunkFile['meta'] => {
    const { start, end } = chunkRange(id, job.chunkSize, total);
    return { model: name, chunk_id: id, chunk_size: job.chunkSize, question_indices: job.questions.slice(start, end).map((q) => q.index), sampling: job.sampling, wgml_version: WGML_VERSION };
  };
  const todo: number[] = [];
  for (const id of job.chunkIds) if (!(await alreadyDone(chunkPath(job.outDir, name, id), metaOf(id)))) todo.push(id);
  job.log(`[generate ${name}] ${todo.length} of ${job.chunkIds.length} chunks to sample (${job.chunkIds.length - todo.length} done already)`);
  if (todo.length === 0) return [];
  await mkdir(job.outDir, { recursive: true });
  const model = await openModel(job.modelDir, job.device);
  const engine = new Engine(model, { maxBatch: job.maxBatch, maxQueue: job.chunkSize * job.sampling.n + 1 });
  const progress = new SamplingProgress(`[generate ${name}]`, todo.reduce((n, id) => n + metaOf(id).question_indices.length, 0), job.log);
  const written: string[] = [];
  try {
    checkPromptsFit(engine, model, job);
    for (const [k, id] of todo.entries()) {
      throwIfAborted(job.signal);
      const meta = metaOf(id);
      const where = `chunk ${id} (${k + 1}/${todo.length})`;
      const { start, end } = chunkRange(id, job.chunkSize, total);
      const records = await sampleChunk(engine, model, job.questions.slice(start, end), job, progress, where);
      throwIfAborted(job.signal);
      const path = chunkPath(job.outDir, name, id);
      await writeFileAtomic(path, JSON.stringify({ meta, records } satisfies ChunkFile) + '\n');
      written.push(path);
      progress.report(`${where} written`, true);
    }
  } finally {
    engine.dispose();
    model.dispose();
  }
  return written;
}
