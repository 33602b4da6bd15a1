// critique generate under --backend cuda: each model's prompts rendered by wgml's chat template and
// tokenizer (the ids the engine would sample from), with the per-sample seeds of the WebGPU path,
// handed to vLLM through src/cuda, which writes the same <model>_chunk_<id>.json files into chunks/.
// And the commands step's vLLM lines: one per worker, each pinned to its GPUs and its chunk range.
import { join } from 'node:path';
import { chatPromptIds, cudaGenerate, type CudaRunOptions, type PromptRow } from '../../src/cuda/index.js';
import { loadTokenizer, type Tokenizer } from '../../src/io/tokenizer.js';
import type { CudaContext } from '../kit/recipe.js';
import { workerPlans } from './commands.js';
import { samplingOf, type CritiqueConfig } from './config.js';
import type { Question } from './questions.js';
import { sampleSeed } from './seeds.js';

export interface CudaModel {
  dir: string;
  name: string;
}

/** Every question in file order (the worker finds a chunk's rows by position), with its n seeds. */
export function promptRows(tokenizer: Tokenizer, questions: readonly Question[], c: CritiqueConfig): PromptRow[] {
  const g = c.generate;
  return questions.map((q) => ({
    index: q.index,
    record: { index: q.index, problem: q.problem, answer: q.answer },
    prompt_token_ids: chatPromptIds(tokenizer, [{ role: 'user', content: c.data.prompt_template.replaceAll('{problem}', q.problem) }], { enableThinking: false }),
    seeds: Array.from({ length: g.n }, (_, s) => sampleSeed(g.seed, q.index, s)),
  }));
}

function generateOne(m: CudaModel, questions: readonly Question[], c: CritiqueConfig, chunkIds: readonly number[], cuda: CudaContext, o: CudaRunOptions) {
  return loadTokenizer(m.dir).then((tokenizer) => cudaGenerate({
    model: m.dir,
    modelName: m.name,
    rows: promptRows(tokenizer, questions, c),
    workDir: join(cuda.runDir, 'cuda'),
    outDir: join(cuda.runDir, 'chunks'),
    chunkSize: c.generate.chunk_size,
    chunkIds,
    sampling: samplingOf(c),
    tensorParallel: c.generate.tensor_parallel,
  }, o));
}

/** Samples (or, in a dry run, prints) every model's selected chunks on the CUDA worker. */
export async function cudaGenerateChunks(models: readonly CudaModel[], questions: readonly Question[], c: CritiqueConfig, chunkIds: readonly number[], cuda: CudaContext): Promise<void> {
  for (const m of models) await generateOne(m, questions, c, chunkIds, cuda, cuda.options);
}

/**
 * One shell line per worker: its vLLM process for each model in turn, on GPUs w·tp … w·tp+tp−1, over
 * the spec and prompts written to <run>/cuda/ now (every chunk selected; --shard picks the range).
 */
export async function cudaWorkerLines(models: readonly CudaModel[], questions: readonly Question[], c: CritiqueConfig, chunks: number, cuda: CudaContext): Promise<string[]> {
  const all = Array.from({ length: chunks }, (_, i) => i);
  const quiet = { ...cuda.options, dryRun: true, gpus: c.commands.workers * c.generate.tensor_parallel, log: () => undefined };
  const perModel: string[][] = [];
  for (const m of models) perModel.push((await generateOne(m, questions, c, all, cuda, quiet)).commands);
  return workerPlans(chunks, c.commands.workers).map((p) => {
    const range = p.first === p.last ? String(p.first) : `${p.first}-${p.last}`;
    return `${perModel.map((lines) => lines[p.worker]!).join(' && ')}   # worker ${p.worker}: chunks ${range}`;
  });
}
