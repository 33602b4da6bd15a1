// The steps of `npx recipe gsm8k-qlora`: train (QLoRA SFT, optional checkpoint sweep, the adapter
// saved), eval (base and fine-tuned on the same few-shot prompts and safety prompts) and safety (a
// judge labels both models' responses). Each reads what the steps before it left in the run directory.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Model } from '../../src/model/model.js';
import { openJudge } from '../../src/eval/judge.js';
import { writeLossCurve } from '../kit/loss-curve.js';
import { readHistory, trainingSteps } from '../kit/history.js';
import { addLora, loadBase } from '../kit/model.js';
import { resolveAsset } from '../kit/paths.js';
import type { Step, StepContext } from '../kit/recipe.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { lastCheckpoint, sweepCheckpoints, trainAdapter } from '../kit/sft.js';
import type { Gsm8kQloraConfig } from './config.js';
import { evaluateGsm8k, type GsmPrediction } from './evaluate.js';
import { sftExamples } from './finetune.js';
import { checkpointScoresCsv } from './outputs.js';
import { readSafetyPrompts, respond, scoreResponses, type SafetyPrompt, type SafetyResponse } from './safety.js';
import { makeSplits, type Splits } from './splits.js';

type Ctx = StepContext<Gsm8kQloraConfig>;

export interface ModelEval {
  accuracy: number;
  preds: GsmPrediction[];
  responses: SafetyResponse[];
}

const evalOptions = (c: Gsm8kQloraConfig) => ({ k: c.few_shot.k, batchSize: c.eval.batch_size, maxNewTokens: c.eval.max_new_tokens });

async function safetyPrompts(c: Gsm8kQloraConfig): Promise<SafetyPrompt[]> {
  return c.safety.enabled ? readSafetyPrompts(resolveAsset(c.safety.prompts_file), c.safety.limit) : [];
}

/** With a sweep, the checkpoint with the best dev accuracy (scores in checkpoint_scores.csv); else the last. */
async function chooseCheckpoint(model: Model, ctx: Ctx, s: Splits): Promise<number> {
  const c = ctx.config;
  if (!c.sweep.enabled) return lastCheckpoint(ctx.run.dir);
  const score = async (step: number) => (await evaluateGsm8k(model, `checkpoint-${step} dev`, s.dev, s.pool, evalOptions(c), ctx.log)).accuracy;
  const { scores, best } = await sweepCheckpoints(model, ctx.run.dir, score);
  await writeFileAtomic(ctx.run.path('checkpoint_scores.csv'), checkpointScoresCsv(scores));
  ctx.log(`[sweep] chose checkpoint-${best} (${scores.map((x) => `${x.step}: ${(100 * x.score).toFixed(1)}%`).join(', ')})`);
  return best;
}

async function trainStep(ctx: Ctx): Promise<void> {
  const c = ctx.config;
  const splits = await makeSplits(c, ctx.run);
  ctx.log(`run ${ctx.cuda?.runDir ?? ctx.run.dir}: train ${splits.train.length}, test ${splits.test.length}, dev ${splits.dev.length}, few-shot pool ${splits.pool.length} (k=${c.few_shot.k}), safety prompts ${(await safetyPrompts(c)).length}`);
  let chosen = 0;
  await trainAdapter(ctx, {
    baseDir: resolveAsset(c.model),
    quantization: c.quantization,
    lora: c.lora,
    train: c.train,
    keepAll: c.sweep.enabled,
    examples: (tokenizer) => {
      const { examples, dropped } = sftExamples(tokenizer, splits.train, c.data.max_seq_len);
      ctx.log(`[train] ${examples.length} examples${dropped ? ` (${dropped} longer than ${c.data.max_seq_len} tokens dropped)` : ''}`);
      return examples;
    },
    load: async () => {
      const model = await loadBase(c.model, c.quantization, await ctx.device());
      addLora(model, c.lora, c.train.seed);
      return model;
    },
    choose: async (model) => {
      chosen = await chooseCheckpoint(model, ctx, splits);
    },
  });
  if (ctx.cuda?.dryRun) return;
  // The CUDA worker keeps its last step's adapter: a sweep needs WebGPU evaluation of each checkpoint.
  if (ctx.cuda) {
    if (c.sweep.enabled) ctx.log('[sweep] not run under --backend cuda: the adapter is the last checkpoint');
    chosen = await lastCheckpoint(join(ctx.run.dir, 'cuda'));
  }
  await ctx.run.addResults({ chosenCheckpoint: `checkpoint-${chosen}` });
  const history = trainingSteps(await readHistory(ctx.run.dir));
  if (history.length) await writeLossCurve(ctx.run.path('loss_curve.svg'), history, `gsm8k-qlora ${ctx.run.name}`);
}

async function evaluateModel(model: Model, tag: string, ctx: Ctx, s: Splits, prompts: SafetyPrompt[]): Promise<ModelEval> {
  const c = ctx.config;
  const { accuracy, preds } = await evaluateGsm8k(model, tag, s.test, s.pool, evalOptions(c), ctx.log);
  ctx.log(`[${tag}] gsm8k accuracy ${(100 * accuracy).toFixed(1)}% on ${preds.length}`);
  const responses = prompts.length ? await respond(model, tag, prompts, { batchSize: c.eval.batch_size, maxNewTokens: c.safety.max_new_tokens }, ctx.log) : [];
  return { accuracy, preds, responses };
}

/** One model loaded, evaluated and freed; `adapter`: the fine-tuned one. */
async function evaluateLoaded(ctx: Ctx, tag: string, s: Splits, prompts: SafetyPrompt[], adapter?: string): Promise<ModelEval> {
  const model = await loadBase(ctx.config.model, ctx.config.quantization, await ctx.device(), adapter);
  try {
    return await evaluateModel(model, tag, ctx, s, prompts);
  } finally {
    model.dispose();
  }
}

async function evalStep(ctx: Ctx): Promise<void> {
  const splits = await makeSplits(ctx.config, ctx.run);
  const prompts = await safetyPrompts(ctx.config);
  // The base's evaluation is cached so a resumed run does not redo it.
  const base = await ctx.run.cached('base_eval.json', ctx.resume, () => evaluateLoaded(ctx, 'base', splits, prompts));
  const tuned = await ctx.run.cached('finetuned_eval.json', false, () => evaluateLoaded(ctx, 'finetuned', splits, prompts, ctx.run.path('adapter')));
  await ctx.run.writeJsonl('gsm8k_preds.jsonl', [...base.preds, ...tuned.preds]);
  await ctx.run.addResults({ base: { accuracy: base.accuracy, safety: null }, tuned: { accuracy: tuned.accuracy, safety: null } });
}

async function readEval(ctx: Ctx, file: string): Promise<ModelEval> {
  return JSON.parse(await readFile(ctx.run.path(file), 'utf8')) as ModelEval;
}

/** Judges both models' responses with one judge; writes the per-item files. */
async function safetyStep(ctx: Ctx): Promise<void> {
  const c = ctx.config;
  if (!c.safety.enabled) return ctx.log('[safety] off (safety.enabled: false)');
  const [base, tuned] = [(await readEval(ctx, 'base_eval.json')).responses, (await readEval(ctx, 'finetuned_eval.json')).responses];
  await ctx.run.writeJsonl('safety_preds.jsonl', [...base, ...tuned]);
  const guidelines = await readFile(resolveAsset(c.safety.guidelines_file), 'utf8');
  const spec = c.safety.judge;
  const judge = await openJudge(spec.type === 'classifier' ? { ...spec, model: resolveAsset(spec.model) } : spec, await ctx.device());
  try {
    const b = await scoreResponses(judge, guidelines, base, ctx.log);
    const t = await scoreResponses(judge, guidelines, tuned, ctx.log);
    await ctx.run.writeJsonl('safety_scores.jsonl', [...b.scores, ...t.scores]);
    ctx.log(`[safety] base ${(100 * b.rate).toFixed(1)}% safe, fine-tuned ${(100 * t.rate).toFixed(1)}% safe (${judge.name})`);
    const r = await ctx.run.results();
    const merge = (m: unknown, safety: number) => ({ ...(m as object), safety });
    await ctx.run.addResults({ base: merge(r.base, b.rate), tuned: merge(r.tuned, t.rate) });
  } finally {
    judge.dispose();
  }
}

export const GSM8K_STEPS: Step<Gsm8kQloraConfig>[] = [
  { name: 'train', summary: 'QLoRA SFT on the training split (checkpoint sweep when enabled), adapter saved', cuda: 'train', run: trainStep },
  { name: 'eval', summary: 'GSM8K accuracy and safety responses of the base and the fine-tuned model', run: evalStep },
  { name: 'safety', summary: "the judge's safety rate of both models' responses", run: safetyStep },
];
