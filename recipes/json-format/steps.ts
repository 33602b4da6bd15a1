// The steps of `npx recipe json-format`: data (train/eval files and their stats), train (QLoRA SFT,
// assistant-only loss with the EOS after each completion, format metrics at step 0 and every
// eval_steps, curves), eval (base, base with constrained decoding, and tuned on the whole eval
// split) and compare (alone: the three outputs side by side).
import type { Model } from '../../src/model/model.js';
import { assistantOnlyLabels } from '../../src/train/labels.js';
import { readJsonl } from '../data/common.js';
import type { JsonTask } from '../data/json-format.js';
import { writeCurvesPng } from '../kit/curves.js';
import { readHistory, scalarSeries, trainingSteps } from '../kit/history.js';
import { writeLossCurve } from '../kit/loss-curve.js';
import { addLora, loadBase } from '../kit/model.js';
import type { Step, StepContext } from '../kit/recipe.js';
import { resolveAsset } from '../kit/paths.js';
import { trainAdapter } from '../kit/sft.js';
import type { JsonFormatConfig } from './config.js';
import { writeData } from './data.js';
import { evaluateJson } from './evaluate.js';
import type { FormatMetrics } from './metrics.js';

type Ctx = StepContext<JsonFormatConfig>;

const splits = async (ctx: Ctx) => ({ train: await readJsonl<JsonTask>(ctx.run.path('train.jsonl')), eval: await readJsonl<JsonTask>(ctx.run.path('eval.jsonl')) });
const genOptions = (c: JsonFormatConfig) => ({ batchSize: c.eval.batch_size, maxNewTokens: c.eval.max_new_tokens });

async function dataStep(ctx: Ctx): Promise<void> {
  const { train, eval: evalTasks } = await writeData(ctx.config, ctx.run);
  ctx.log(`[data] ${train.length} train, ${evalTasks.length} eval tasks (strictness ${ctx.config.data.eval_strictness}) in ${ctx.run.dir}`);
}

/** The curve's points: format metrics of the first eval items, generations dumped per step. */
function trainingEval(model: Model, ctx: Ctx, tasks: readonly JsonTask[]) {
  return async (step: number): Promise<Record<string, number>> => {
    const { metrics, preds } = await evaluateJson(model, `step ${step}`, tasks, genOptions(ctx.config), ctx.log);
    await ctx.run.writeJsonl(`generations/step-${String(step).padStart(5, '0')}.jsonl`, preds);
    ctx.log(`[eval] step ${step}: format_success_rate ${(100 * metrics.format_success_rate).toFixed(1)}%`);
    return { format_success_rate: metrics.format_success_rate, duplicate_json_objects_rate: metrics.duplicate_json_objects_rate };
  };
}

async function writeCurves(ctx: Ctx): Promise<void> {
  const history = await readHistory(ctx.run.dir);
  const steps = trainingSteps(history);
  if (steps.length) await writeLossCurve(ctx.run.path('loss_curve.svg'), steps, `json-format ${ctx.run.name}`);
  await writeCurvesPng(ctx.run.path('curves.png'), [
    { name: 'train loss', points: steps.map((m) => [m.step, m.loss]), color: [31, 119, 180] },
    { name: 'format_success_rate', points: scalarSeries(history, 'format_success_rate'), color: [44, 160, 44], range: [0, 1] },
  ], `json-format ${ctx.run.name}: train loss and format_success_rate`);
}

async function trainStep(ctx: Ctx): Promise<void> {
  const c = ctx.config;
  const data = await splits(ctx);
  await trainAdapter(ctx, {
    baseDir: resolveAsset(c.model),
    quantization: c.quantization,
    lora: c.lora,
    train: c.train,
    // The template closes the assistant turn with the tokenizer's EOS (<|im_end|>), which the labels keep: the model learns to stop.
    examples: (tokenizer) => {
      const all = data.train.map((t) => assistantOnlyLabels(tokenizer, [{ role: 'user', content: t.prompt }, { role: 'assistant', content: t.completion }], { enableThinking: false }));
      const examples = all.filter((e) => e.input_ids.length <= c.data.max_seq_len);
      ctx.log(`[train] ${examples.length} examples${all.length > examples.length ? ` (${all.length - examples.length} longer than ${c.data.max_seq_len} tokens dropped)` : ''}`);
      return examples;
    },
    load: async () => {
      const model = await loadBase(c.model, c.quantization, await ctx.device());
      addLora(model, c.lora, c.train.seed);
      return model;
    },
    // Format metrics need generation from the model in training: WebGPU only (a CUDA run logs eval loss).
    evaluate: (model) => trainingEval(model, ctx, data.eval.slice(0, c.eval.during_training)),
  });
  if (!ctx.cuda?.dryRun) await writeCurves(ctx);
}

/** `use` on the base (with `adapter` on top, if given), disposed after. */
async function withModel<T>(ctx: Ctx, adapter: string | undefined, use: (model: Model) => Promise<T>): Promise<T> {
  const model = await loadBase(ctx.config.model, ctx.config.quantization, await ctx.device(), adapter);
  try {
    return await use(model);
  } finally {
    model.dispose();
  }
}

/** Base free and base constrained to each task's schema (both cached for --resume), and tuned free. */
async function evaluateAll(ctx: Ctx, tasks: readonly JsonTask[], adapter: string, cache: boolean) {
  const o = genOptions(ctx.config);
  const once = <T>(file: string, make: () => Promise<T>) => (cache ? ctx.run.cached(file, ctx.resume, make) : make());
  const [base, constrained] = await withModel(ctx, undefined, async (m) => [
    await once('base_eval.json', () => evaluateJson(m, 'base', tasks, o, ctx.log)),
    await once('constrained_eval.json', () => evaluateJson(m, 'constrained', tasks, { ...o, constrained: true }, ctx.log)),
  ]);
  const tuned = await withModel(ctx, adapter, (m) => evaluateJson(m, 'tuned', tasks, o, ctx.log));
  return { base: base!, constrained: constrained!, tuned };
}

async function evalStep(ctx: Ctx): Promise<void> {
  const { eval: tasks } = await splits(ctx);
  const all = await evaluateAll(ctx, tasks, ctx.run.path('adapter'), true);
  await ctx.run.writeJsonl('eval_preds.jsonl', Object.values(all).flatMap((r) => r.preds));
  const show = (tag: string, m: FormatMetrics) => ctx.log(`[${tag}] format_success_rate ${(100 * m.format_success_rate).toFixed(1)}% on ${m.n}`);
  for (const [tag, r] of Object.entries(all)) show(tag, r.metrics);
  await ctx.run.addResults({ base: all.base.metrics, constrained: all.constrained.metrics, tuned: all.tuned.metrics });
}

const clip = (text: string, width: number) => text.replace(/\n/g, '⏎').slice(0, width).padEnd(width);

/** The first n eval prompts, the outputs of base, base constrained and tuned side by side. */
async function compareStep(ctx: Ctx): Promise<void> {
  const n = ctx.args.n ?? 8;
  const tasks = (await splits(ctx)).eval.slice(0, n);
  const all = await evaluateAll(ctx, tasks, ctx.args.adapter ?? ctx.run.path('adapter'), false);
  const mark = (ok: boolean) => (ok ? '✓' : '✗');
  const lines = tasks.flatMap((t, i) => [`#${i} ${clip(t.prompt.split('\n').at(-1)!, 100)}`, ...Object.entries(all).map(([tag, r]) => `  ${tag.padEnd(11)} ${mark(r.preds[i]!.ok)} ${clip(r.preds[i]!.output, 100)}`)]);
  ctx.log(lines.join('\n'));
}

export const JSON_FORMAT_STEPS: Step<JsonFormatConfig>[] = [
  { name: 'data', summary: 'train.jsonl, eval.jsonl, stats.json and stats.md of the configured mix', prepares: true, run: dataStep },
  { name: 'train', summary: 'QLoRA SFT, format metrics at step 0 and every eval_steps, curves.png', cuda: 'train', run: trainStep },
  { name: 'eval', summary: 'format_success_rate, duplicates and failure counts of base, base + constrained decoding, and tuned', run: evalStep },
  { name: 'compare', summary: 'base, constrained and tuned outputs side by side (--adapter DIR --n 8)', alone: true, run: compareStep },
];
