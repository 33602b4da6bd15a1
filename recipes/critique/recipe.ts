// `npx recipe critique`: critique training data from sampled solutions. Each configured model
// answers every question n times (chunked, resumable, reproducible), the samples are graded and
// questions where no model is mixed are dropped, and up to M solutions per kept question become
// critique prompts with right/wrong targets in the original pipeline's training-data layout.
import { z } from 'zod';
import { ConfigError } from '../../src/errors.js';
import type { Recipe, RecipeFlag, StepContext } from '../kit/recipe.js';
import { formatTable } from '../kit/report.js';
import { CritiqueConfigSchema, type CritiqueConfig } from './config.js';
import type { FilterCounts } from './filter.js';
import { CRITIQUE_STEPS, filterTable, models } from './steps.js';

const SUMMARY_COLUMNS = ['model', 'data', 'method', 'hyperparameters', 'questions', 'kept', 'removed', 'critique_right', 'critique_wrong'];

async function finish(ctx: StepContext<CritiqueConfig>) {
  const c = ctx.config;
  const r = await ctx.run.results();
  const filter = r.filter as FilterCounts;
  const critique = r.critique as { rows: number; right: number; wrong: number };
  await ctx.run.addResults({ run: ctx.run.name, passed: filter.kept > 0 });
  const g = c.generate;
  const summary = await ctx.run.appendSummary(SUMMARY_COLUMNS, {
    model: models(c).map((m) => m.name).join('+'),
    data: c.data.questions_file,
    method: 'sample-filter-critique',
    hyperparameters: `n=${g.n} T=${g.temperature} top_p=${g.top_p} max_tokens=${g.max_tokens} seed=${g.seed} M=${c.critique.max_per_question}`,
    questions: filter.questions,
    kept: filter.kept,
    removed: filter.removed,
    critique_right: critique.right,
    critique_wrong: critique.wrong,
  });
  const verdicts = formatTable(['critique rows', 'right', 'wrong'], [[String(critique.rows), String(critique.right), String(critique.wrong)]]);
  // An empty filtered set means nothing to train on: the run fails (exit 2) rather than ship no data.
  return { table: `${filterTable(filter)}\n\n${verdicts}\n\nsummary row in ${summary}`, passed: filter.kept > 0 };
}

const count = z.string().regex(/^\d+$/, 'expected a positive whole number').transform(Number).pipe(z.number().int().positive());

/** --analyze names its step: the pipeline writes critique.jsonl and train.jsonl, which --analyze only reads. */
function analyzed(step: string | undefined): Record<string, unknown> {
  if (step === 'critique' || step === 'format') return { [`${step}.analyze`]: true };
  throw new ConfigError(`--analyze reads what the critique or format step wrote: name one (npx recipe critique critique --analyze --run NAME)${step ? `, not ${step}` : ''}`);
}

const FLAGS: readonly RecipeFlag[] = [
  { name: 'chunk-size', value: 'N', help: 'questions per chunk file (generate.chunk_size)', schema: count, sets: (n: number) => ({ 'generate.chunk_size': n }) },
  {
    name: 'chunk-id',
    value: 'I[-J]',
    help: 'only chunk I, or chunks I-J, of each model (generate.chunk_id; default every chunk)',
    schema: z.string().regex(/^\d+(-\d+)?$/, 'expected a chunk id (3) or a range of them (2-5)').transform((v) => (v.includes('-') ? v : Number(v))),
    sets: (id: number | string) => ({ 'generate.chunk_id': id }),
  },
  { name: 'workers', value: 'K', help: 'processes or machines `commands` splits the chunks over (commands.workers)', schema: count, sets: (k: number) => ({ 'commands.workers': k }) },
  { name: 'analyze', boolean: true, help: 'critique / format: print the summary of the existing output instead of writing it', schema: z.literal(true), sets: (_: true, step: string | undefined) => analyzed(step) },
];

export const critique: Recipe<CritiqueConfig> = {
  name: 'critique',
  summary: 'critique training data: chunked multi-model sampling, consistency filter, right/wrong targets',
  schema: CritiqueConfigSchema,
  defaultPreset: 'default',
  steps: CRITIQUE_STEPS,
  flags: FLAGS,
  finish,
};
