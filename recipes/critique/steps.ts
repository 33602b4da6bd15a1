// The steps of `npx recipe critique`, each a thin wrapper that finds its files in the run directory
// and calls the step's function over files: generate (chunks/), commands (worker command lines),
// merge (merged/<model>.json), filter (filtered.json), critique (critique.jsonl), format (train.jsonl).
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { ConfigError } from '../../src/errors.js';
import { readJsonl } from '../data/common.js';
import { resolveAsset } from '../kit/paths.js';
import type { Step, StepContext } from '../kit/recipe.js';
import { formatTable } from '../kit/report.js';
import { chunkCount, modelName, selectChunks } from './chunks.js';
import { workerCommands, workerPlans } from './commands.js';
import { samplingOf, type CritiqueConfig } from './config.js';
import { critiqueRows, verdictTable, type CritiqueRow } from './critique.js';
import { cudaGenerateChunks, cudaWorkerLines } from './cuda.js';
import { CritiqueFileError } from './errors.js';
import { filterMerged, type FilterCounts, type FilteredQuestion } from './filter.js';
import { formatSummary, trainingRows, type TrainingRow } from './format.js';
import { checkModelDir, generateChunks } from './generate.js';
import { mergeModel, type MergedFile } from './merge.js';
import { readQuestions } from './questions.js';

type Ctx = StepContext<CritiqueConfig>;

/** Every configured model directory with the name its files go by; two models may not share one. */
export function models(c: CritiqueConfig): { dir: string; name: string }[] {
  const list = [c.model, ...c.other_models].map((m) => ({ dir: resolveAsset(m), name: modelName(m) }));
  const names = list.map((m) => m.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new ConfigError(`two models are named ${twice} (the basename of their directories): chunk files would collide; rename one directory`);
  return list;
}

const questionsOf = (c: CritiqueConfig) => readQuestions(resolveAsset(c.data.questions_file), c.data.limit);

async function readJson<T>(path: string, step: string): Promise<T> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new CritiqueFileError(`${path} is missing: run the ${step} step first`);
  });
  return JSON.parse(text) as T;
}

async function generateStep(ctx: Ctx): Promise<void> {
  const c = ctx.config;
  const questions = await questionsOf(c);
  const chunkIds = selectChunks(c.generate.chunk_id, chunkCount(questions.length, c.generate.chunk_size), c.data.questions_file, c.generate.chunk_size);
  for (const m of models(c)) await checkModelDir(m.dir);
  ctx.log(`[generate] ${questions.length} questions × ${c.generate.n} samples × ${models(c).length} models, chunks of ${c.generate.chunk_size}: ${chunkIds.length} chunks per model`);
  if (ctx.cuda) return cudaGenerateChunks(models(c), questions, c, chunkIds, ctx.cuda);
  const started = performance.now();
  let written = 0;
  for (const m of models(c)) {
    const job = { questions, modelDir: m.dir, outDir: ctx.run.path('chunks'), sampling: samplingOf(c), chunkSize: c.generate.chunk_size, chunkIds, maxBatch: c.generate.max_batch, device: await ctx.device(), log: ctx.log };
    written += (await generateChunks(job)).length;
  }
  const seconds = (performance.now() - started) / 1000;
  await ctx.run.addResults({ generate: { chunk_files_written: written, seconds: Number(seconds.toFixed(1)) } });
  ctx.log(`[generate] ${written} chunk files written in ${seconds.toFixed(1)} s`);
}

/**
 * Writes worker_config.json (this run's whole config, every chunk selected) so each worker samples
 * exactly as this run would, whatever preset, --config, --smoke or --set made it; then the lines:
 * `npx recipe critique generate` per worker, or under --backend cuda the vLLM worker processes.
 */
async function commandsStep(ctx: Ctx): Promise<void> {
  const c = ctx.config;
  const questions = await questionsOf(c);
  const chunks = chunkCount(questions.length, c.generate.chunk_size);
  const runDir = ctx.cuda?.runDir ?? ctx.run.dir;
  const config = join(runDir, 'worker_config.json');
  await writeFileAtomic(ctx.run.path('worker_config.json'), JSON.stringify({ ...c, generate: { ...c.generate, chunk_id: null } }, null, 2) + '\n');
  const lines = ctx.cuda ? await cudaWorkerLines(models(c), questions, c, chunks, ctx.cuda) : workerCommands(workerPlans(chunks, c.commands.workers), { config, run: ctx.run.name });
  const what = ctx.cuda ? `vLLM workers of ${c.generate.tensor_parallel} GPU${c.generate.tensor_parallel === 1 ? '' : 's'} each, specs and prompts in ${join(runDir, 'cuda')}` : 'workers';
  ctx.log(`[commands] ${chunks} chunks over ${lines.length} ${what} (--workers ${c.commands.workers}), then: npx recipe critique merge --run ${ctx.run.name} --config ${config}\n${lines.join('\n')}`);
}

async function mergeStep(ctx: Ctx): Promise<void> {
  const total = (await questionsOf(ctx.config)).length;
  await mkdir(ctx.run.path('merged'), { recursive: true });
  for (const m of models(ctx.config)) {
    const merged = await mergeModel(ctx.run.path('chunks'), m.name, total, ctx.run.path('merged', `${m.name}.json`));
    ctx.log(`[merge ${m.name}] ${merged.meta.chunks} chunks, ${merged.records.length} questions → merged/${m.name}.json`);
  }
}

export function filterTable(counts: FilterCounts): string {
  const perModel = formatTable(['model', 'all right', 'all wrong', 'mixed'], Object.entries(counts.per_model).map(([m, k]) => [m, String(k.all_right), String(k.all_wrong), String(k.mixed)]));
  const cases = formatTable(['case', 'questions', 'kept'], [
    ['some model mixed', String(counts.cases.mixed), 'yes'],
    ['every model all right', String(counts.cases.all_right), 'no'],
    ['every model all wrong', String(counts.cases.all_wrong), 'no'],
    ['uniform but split (one all right, one all wrong)', String(counts.cases.split), 'no'],
  ]);
  return `${perModel}\n\n${cases}\nkept ${counts.kept} of ${counts.questions}, removed ${counts.removed}`;
}

async function filterStep(ctx: Ctx): Promise<void> {
  const files = models(ctx.config).map((m) => ctx.run.path('merged', `${m.name}.json`));
  const merged = await Promise.all(files.map((f) => readJson<MergedFile>(f, 'merge')));
  const { questions, counts } = filterMerged(merged, files);
  await writeFileAtomic(ctx.run.path('filtered.json'), JSON.stringify({ counts, questions: questions.filter((q) => q.case === 'mixed') }) + '\n');
  await writeFileAtomic(ctx.run.path('removed.json'), JSON.stringify(questions.filter((q) => q.case !== 'mixed')) + '\n');
  await ctx.run.addResults({ filter: counts });
  ctx.log(`[filter]\n${filterTable(counts)}`);
}

async function critiqueStep(ctx: Ctx): Promise<void> {
  const c = ctx.config.critique;
  if (!c.analyze) {
    const { questions } = await readJson<{ questions: FilteredQuestion[] }>(ctx.run.path('filtered.json'), 'filter');
    const made = critiqueRows(questions, c.max_per_question, c.seed);
    await ctx.run.writeJsonl('critique.jsonl', made);
    const right = made.filter((r) => r.target === 'right').length;
    await ctx.run.addResults({ critique: { rows: made.length, right, wrong: made.length - right } });
  }
  const rows = await readJsonl<CritiqueRow>(ctx.run.path('critique.jsonl'));
  ctx.log(`[critique] ${rows.length} rows in critique.jsonl\n${verdictTable(rows)}`);
}

async function formatStep(ctx: Ctx): Promise<void> {
  if (!ctx.config.format.analyze) {
    const made = trainingRows(await readJsonl<CritiqueRow>(ctx.run.path('critique.jsonl')), ctx.config.format.data_source);
    await ctx.run.writeJsonl('train.jsonl', made);
    await ctx.run.addResults({ format: { rows: made.length, file: ctx.run.path('train.jsonl') } });
  }
  ctx.log(`[format] train.jsonl\n${formatSummary(await readJsonl<TrainingRow>(ctx.run.path('train.jsonl')))}`);
}

export const CRITIQUE_STEPS: Step<CritiqueConfig>[] = [
  { name: 'generate', summary: 'n samples per question from each model, in chunk files (--chunk-size, --chunk-id; vLLM under --backend cuda)', cuda: 'generate', run: generateStep },
  { name: 'commands', summary: 'one generate command per worker over chunk ranges (--workers; vLLM workers under --backend cuda)', fresh: true, prepares: true, run: commandsStep },
  { name: 'merge', summary: "each model's chunks into merged/<model>.json, refusing gaps, duplicates and mixed parameters", run: mergeStep },
  { name: 'filter', summary: 'grade every sample; keep questions where some model is mixed', run: filterStep },
  { name: 'critique', summary: 'up to max_per_question solutions per kept question with right/wrong targets (--analyze: the distribution of an existing critique.jsonl)', run: critiqueStep },
  { name: 'format', summary: 'critique rows as training data in train.jsonl (--analyze: a summary of an existing train.jsonl)', run: formatStep },
];
