// `npx recipe gsm8k-qlora`: QLoRA SFT of a Qwen model on GSM8K, with the base and the fine-tuned
// model evaluated in the same run on the same few-shot prompts (accuracy) and safety prompts (a
// judge's safety rate), every output under runs/gsm8k-qlora/<run>/ and one row in runs/summary.csv.
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createDevice, type Device } from '../../src/gpu/device.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { loadModel, type Model } from '../../src/nn/model.js';
import { writeJsonl } from '../data/common.js';
import { writeLossCurve } from '../common/loss-curve.js';
import { resolveAsset } from '../common/paths.js';
import type { Gsm8kQloraConfig } from './config.js';
import { fewShotPool, readGsm8k, refineRecords, sampleRecords, without, type GsmRecord } from './data.js';
import { evaluateGsm8k, type GsmPrediction } from './evaluate.js';
import { fineTune, lastCheckpoint, sftExamples, sweepCheckpoints } from './finetune.js';
import { openJudge } from '../../src/eval/judge.js';
import { appendSummary, checkpointScoresCsv, passes, readHistory, resultTable, type RunResult } from './outputs.js';
import { readSafetyPrompts, respond, scoreResponses, type SafetyPrompt, type SafetyResponse } from './safety.js';

export interface RunOptions {
  resume?: boolean;
  device?: Device;
  log?: (line: string) => void;
}

interface Splits {
  pool: GsmRecord[];
  dev: GsmRecord[];
  train: GsmRecord[];
  test: GsmRecord[];
}

/** Pool (never trained on), dev split (sweeps only), optionally refined and capped training set, test set. */
async function makeSplits(c: Gsm8kQloraConfig, dir: string): Promise<Splits> {
  const all = await readGsm8k(resolveAsset(c.data.train_file));
  const test = (await readGsm8k(resolveAsset(c.data.test_file))).slice(0, c.data.test_limit ?? undefined);
  const pool = fewShotPool(all, c.few_shot.pool_size, c.few_shot.seed);
  const rest = without(all, pool);
  const dev = c.sweep.enabled ? sampleRecords(rest, c.sweep.dev_size, c.train.seed + 1) : [];
  let train = without(rest, dev);
  if (c.data.refine) {
    train = refineRecords(train);
    await writeJsonl(join(dir, 'train_refined.jsonl'), train);
  }
  await writeJsonl(join(dir, 'few_shot_pool.jsonl'), pool);
  return { pool, dev, train: sampleRecords(train, c.data.train_limit, c.train.seed), test };
}

function runName(c: Gsm8kQloraConfig): string {
  return c.run_name ?? `${c.preset}-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
}

interface ModelEval {
  accuracy: number;
  preds: GsmPrediction[];
  responses: SafetyResponse[];
}

async function evaluateModel(model: Model, tag: string, s: Splits, prompts: SafetyPrompt[], c: Gsm8kQloraConfig, log: (l: string) => void): Promise<ModelEval> {
  const opts = { k: c.few_shot.k, batchSize: c.eval.batch_size, maxNewTokens: c.eval.max_new_tokens };
  const { accuracy, preds } = await evaluateGsm8k(model, tag, s.test, s.pool, opts, log);
  log(`[${tag}] gsm8k accuracy ${(100 * accuracy).toFixed(1)}% on ${preds.length}`);
  const responses = prompts.length ? await respond(model, tag, prompts, { batchSize: c.eval.batch_size, maxNewTokens: c.safety.max_new_tokens }, log) : [];
  return { accuracy, preds, responses };
}

/** The base model's evaluation, cached in the run directory so a resumed run does not redo it. */
async function baseEvaluation(dir: string, resume: boolean, evaluate: () => Promise<ModelEval>): Promise<ModelEval> {
  const file = join(dir, 'base_eval.json');
  if (resume) {
    const cached = await readFile(file, 'utf8').catch(() => null);
    if (cached) return JSON.parse(cached) as ModelEval;
  }
  const result = await evaluate();
  await writeFileAtomic(file, JSON.stringify(result));
  return result;
}

export async function runGsm8kQlora(c: Gsm8kQloraConfig, o: RunOptions = {}): Promise<RunResult & { dir: string }> {
  const log = o.log ?? ((line: string) => console.log(line));
  const outputDir = resolve(c.output_dir);
  const run = runName(c);
  const dir = join(outputDir, run);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, 'config_resolved.json'), JSON.stringify({ ...c, run_name: run, model_dir: resolveAsset(c.model) }, null, 2) + '\n');
  const splits = await makeSplits(c, dir);
  const safetyPrompts = c.safety.enabled ? await readSafetyPrompts(resolveAsset(c.safety.prompts_file), c.safety.limit) : [];
  const guidelines = c.safety.enabled ? await readFile(resolveAsset(c.safety.guidelines_file), 'utf8') : '';
  log(`run ${dir}: train ${splits.train.length}, test ${splits.test.length}, dev ${splits.dev.length}, few-shot pool ${splits.pool.length} (k=${c.few_shot.k}), safety prompts ${safetyPrompts.length}`);
  const device = o.device ?? (await createDevice());
  try {
    const q = c.quantization;
    const model = await loadModel(resolveAsset(c.model), { device, quantize: { format: q.format, doubleQuant: q.double_quant, blockSize: q.block_size } });
    let tuned: ModelEval;
    let chosen: number;
    const base = await baseEvaluation(dir, o.resume ?? false, () => evaluateModel(model, 'base', splits, safetyPrompts, c, log));
    try {
      model.addLora({ r: c.lora.r, alpha: c.lora.alpha, dropout: c.lora.dropout, targetModules: c.lora.target_modules }, c.train.seed);
      const { examples, dropped } = sftExamples(model.tokenizer, splits.train, c.data.max_seq_len);
      log(`[train] ${examples.length} examples${dropped ? ` (${dropped} longer than ${c.data.max_seq_len} tokens dropped)` : ''}`);
      await fineTune(model, examples, c, dir, o.resume ?? false, log);
      chosen = await chooseCheckpoint(model, dir, splits, c, log);
      await model.saveAdapter(join(dir, 'adapter'));
      tuned = await evaluateModel(model, 'finetuned', splits, safetyPrompts, c, log);
    } finally {
      model.dispose();
    }
    const history = await readHistory(dir);
    if (history.length) await writeLossCurve(join(dir, 'loss_curve.svg'), history, `gsm8k-qlora ${run}`);
    await writeJsonl(join(dir, 'gsm8k_preds.jsonl'), [...base.preds, ...tuned.preds]);
    const safety = await judgeBoth(c, device, guidelines, base.responses, tuned.responses, dir, log);
    const result: RunResult = { run, base: { accuracy: base.accuracy, safety: safety?.base ?? null }, tuned: { accuracy: tuned.accuracy, safety: safety?.tuned ?? null }, chosenCheckpoint: `checkpoint-${chosen}`, passed: false };
    result.passed = passes(c, result.tuned);
    await writeFileAtomic(join(dir, 'results.json'), JSON.stringify(result, null, 2) + '\n');
    const summary = await appendSummary(c, outputDir, result);
    log(`\n${resultTable(c, result)}\n\noutputs in ${dir}; summary row in ${summary}`);
    return { ...result, dir };
  } finally {
    if (!o.device) device.destroy();
  }
}

/** With a sweep, the checkpoint with the best dev accuracy (scores in checkpoint_scores.csv); else the last. */
async function chooseCheckpoint(model: Model, dir: string, s: Splits, c: Gsm8kQloraConfig, log: (l: string) => void): Promise<number> {
  if (!c.sweep.enabled) return lastCheckpoint(dir);
  const opts = { k: c.few_shot.k, batchSize: c.eval.batch_size, maxNewTokens: c.eval.max_new_tokens };
  const { scores, best } = await sweepCheckpoints(model, dir, async (step) => (await evaluateGsm8k(model, `checkpoint-${step} dev`, s.dev, s.pool, opts, log)).accuracy);
  await writeFileAtomic(join(dir, 'checkpoint_scores.csv'), checkpointScoresCsv(scores));
  log(`[sweep] chose checkpoint-${best} (${scores.map((x) => `${x.step}: ${(100 * x.dev_accuracy).toFixed(1)}%`).join(', ')})`);
  return best;
}

/** Judges both models' responses with one judge (loaded once the tuned model is gone); writes the per-item files. */
async function judgeBoth(c: Gsm8kQloraConfig, device: Device, guidelines: string, base: SafetyResponse[], tuned: SafetyResponse[], dir: string, log: (l: string) => void): Promise<{ base: number; tuned: number } | null> {
  if (!c.safety.enabled) return null;
  await writeJsonl(join(dir, 'safety_preds.jsonl'), [...base, ...tuned]);
  const judge = await openJudge(c.safety.judge, device);
  try {
    const b = await scoreResponses(judge, guidelines, base, log);
    const t = await scoreResponses(judge, guidelines, tuned, log);
    await writeJsonl(join(dir, 'safety_scores.jsonl'), [...b.scores, ...t.scores]);
    log(`[safety] base ${(100 * b.rate).toFixed(1)}% safe, fine-tuned ${(100 * t.rate).toFixed(1)}% safe (${judge.name})`);
    return { base: b.rate, tuned: t.rate };
  } finally {
    judge.dispose();
  }
}
