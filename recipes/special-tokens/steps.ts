// The steps of `npx recipe special-tokens`, each a function over files in the run directory:
// tokens (the enlarged model in model/), data (split.json, teacher.jsonl), validate (report.json,
// report.md, valid.jsonl), train (LoRA plus the new tokens' embedding rows, assistant-only loss;
// adapter/; with --backend cuda, PEFT's trainable_token_indices) and eval (token-choice accuracy of
// base and tuned on the held-out split).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { addTokensToModel } from '../../src/io/added-tokens.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import type { Tokenizer } from '../../src/io/tokenizer.js';
import { loadModel, type Model } from '../../src/model/model.js';
import { assistantOnlyLabels } from '../../src/train/labels.js';
import { readJsonl } from '../data/common.js';
import { resolveAsset } from '../kit/paths.js';
import { quantizeOption } from '../kit/model.js';
import type { Step, StepContext } from '../kit/recipe.js';
import { trainAdapter } from '../kit/sft.js';
import type { SpecialTokensConfig } from './config.js';
import { problemSplit, type Split, writeTeacherData } from './data.js';
import { confusionTable, evaluateTokenChoice } from './evaluate.js';
import { trainingReply } from './format.js';
import { type AlpacaRecord, userText } from './instructions.js';
import { validate, writeValidation } from './validate.js';

type Ctx = StepContext<SpecialTokensConfig>;

async function tokensStep(ctx: Ctx): Promise<void> {
  const r = await addTokensToModel(resolveAsset(ctx.config.model), ctx.run.path('model'), ctx.config.tokens.add);
  ctx.log(`[tokens] ${Object.entries(r.ids).map(([t, id]) => `${t}=${id}`).join(', ')}; vocab_size ${r.oldVocabSize} → ${r.vocabSize} in ${ctx.run.path('model')}`);
  await ctx.run.addResults({ tokens: r });
}

async function dataStep(ctx: Ctx): Promise<void> {
  const { problems, split } = await problemSplit(ctx.config);
  await writeFileAtomic(ctx.run.path('split.json'), JSON.stringify(split));
  // Only train instructions go to the teacher: eval grades the model's own choice, not teacher text.
  const r = await writeTeacherData(ctx.config, problems, split.train, ctx.run.path('teacher.jsonl'), { sink: ctx.log, device: ctx.device });
  ctx.log(`[data] ${r.written} written, ${r.skipped} already there, ${r.failed.length} failed${r.failed[0] ? ` (first: ${r.failed[0].id}: ${r.failed[0].reason})` : ''}`);
  // What teacher.jsonl holds, not what this invocation added: a resumed run reports what an uninterrupted one does.
  await ctx.run.addResults({ data: { train_instructions: split.train.length, eval_instructions: split.eval.length, teacher_records: r.written + r.skipped, failed: r.failed.length } });
}

async function validateStep(ctx: Ctx): Promise<void> {
  const source = ctx.run.path('teacher.jsonl');
  const result = validate(await readJsonl<unknown>(source), ctx.config.tokens.add);
  await writeValidation({ json: ctx.run.path('report.json'), md: ctx.run.path('report.md'), filtered: ctx.run.path('valid.jsonl') }, source, result);
  const r = result.report;
  ctx.log(`[validate] ${r.valid}/${r.total} valid (${(100 * r.valid_rate).toFixed(1)}%), balance ${JSON.stringify(r.balance)}; report in ${ctx.run.path('report.md')}`);
  await ctx.run.addResults({ validation: { total: r.total, valid: r.valid, valid_rate: r.valid_rate, balance: r.balance, rejected: r.rejected } });
}

const split = async (ctx: Ctx) => JSON.parse(await readFile(ctx.run.path('split.json'), 'utf8')) as Split;

async function enlarged(ctx: Ctx, adapter?: string): Promise<Model> {
  return loadModel(ctx.run.path('model'), { device: await ctx.device(), quantize: quantizeOption(ctx.config.quantization), ...(adapter ? { adapter } : {}) });
}

/** The records to train on; the model and records must be there, left by the steps before. */
async function trainRecords(ctx: Ctx): Promise<AlpacaRecord[]> {
  const missing = ['model', 'valid.jsonl'].filter((f) => !existsSync(ctx.run.path(f)));
  if (missing.length) throw new ConfigError(`${ctx.run.dir}: no ${missing.join(' or ')}; run the tokens, data and validate steps first (same --run)`);
  // valid.jsonl is in the order teacher replies arrived, which varies run to run; sorted by id,
  // the seeded shuffle sees the same examples and a rerun trains the same batches.
  const records = (await readJsonl<AlpacaRecord>(ctx.run.path('valid.jsonl'))).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (!records.length) throw new ConfigError(`${ctx.run.path('valid.jsonl')}: no valid records to train on; see ${ctx.run.path('report.md')}`);
  return records;
}

async function trainStep(ctx: Ctx): Promise<void> {
  const c = ctx.config;
  const records = await trainRecords(ctx);
  const ids = (tokenizer: Tokenizer) => c.tokens.add.map((t) => tokenizer.tokenToId(t)!);
  await trainAdapter(ctx, {
    // The enlarged model the tokens step wrote; a dry run's spec names the run's own, not the scratch copy.
    baseDir: join(ctx.cuda?.runDir ?? ctx.run.dir, 'model'),
    quantization: c.quantization,
    lora: c.lora,
    train: c.train,
    tokenRows: c.tokens.add,
    examples: (tokenizer) => {
      // enableThinking only shapes Qwen3's generation prompt, which labelling uses to find the turn;
      // true keeps it at `assistant\n`, so a reply that starts with the empty think block is found.
      const all = records.map((r) => assistantOnlyLabels(tokenizer, [{ role: 'user', content: userText(r) }, { role: 'assistant', content: trainingReply(r.output, c.thinking) }], { enableThinking: true }));
      const examples = all.filter((e) => e.input_ids.length <= c.data.max_seq_len);
      ctx.log(`[train] ${examples.length} examples, new token rows ${ids(tokenizer).join(', ')} trainable${all.length > examples.length ? ` (${all.length - examples.length} longer than ${c.data.max_seq_len} dropped)` : ''}`);
      return examples;
    },
    load: async () => {
      const model = await enlarged(ctx);
      model.addLora({ r: c.lora.r, alpha: c.lora.alpha, dropout: c.lora.dropout, targetModules: c.lora.target_modules, trainableTokenIndices: ids(model.tokenizer) }, c.train.seed);
      return model;
    },
  });
}

async function evaluateWith(ctx: Ctx, tag: string, adapter?: string) {
  const c = ctx.config;
  const model = await enlarged(ctx, adapter);
  try {
    return await evaluateTokenChoice(model, tag, (await split(ctx)).eval, c.tokens.add, { batchSize: c.eval.batch_size, maxNewTokens: c.eval.max_new_tokens, thinking: c.thinking }, ctx.log);
  } finally {
    model.dispose();
  }
}

async function evalStep(ctx: Ctx): Promise<void> {
  const base = await ctx.run.cached('base_eval.json', ctx.resume, () => evaluateWith(ctx, 'base'));
  const tuned = await evaluateWith(ctx, 'tuned', ctx.run.path('adapter'));
  await ctx.run.writeJsonl('eval_preds.jsonl', [...base.preds.map((p) => ({ model: 'base', ...p })), ...tuned.preds.map((p) => ({ model: 'tuned', ...p }))]);
  for (const [tag, m] of [['base', base.metrics], ['tuned', tuned.metrics]] as const) {
    ctx.log(`[${tag}] token-choice accuracy ${(100 * m.accuracy).toFixed(1)}% on ${m.n}\n${confusionTable(m, ctx.config.tokens.add)}`);
  }
  await ctx.run.addResults({ base: base.metrics, tuned: tuned.metrics });
}

export const SPECIAL_TOKENS_STEPS: Step<SpecialTokensConfig>[] = [
  { name: 'tokens', summary: 'add the tokens to the tokenizer, grow embed_tokens/lm_head with mean rows (model/)', run: tokensStep },
  { name: 'data', summary: 'AGENT/EDIT instructions per problem, teacher replies over the OpenAI API (teacher.jsonl)', run: dataStep },
  { name: 'validate', summary: 'schema, token after </think>, token vs error, truncation, duplicates (report.md, valid.jsonl)', run: validateStep },
  { name: 'train', summary: 'LoRA plus the new tokens\' embedding rows, assistant-only loss (adapter/)', cuda: 'train', run: trainStep },
  { name: 'eval', summary: 'token-choice accuracy of base and tuned on the held-out split, confusion tables', run: evalStep },
];
