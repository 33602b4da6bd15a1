// `npx recipe special-tokens`: new special tokens (<|AGENT|>, <|EDIT|>) in a Qwen tokenizer and
// model, teacher data over the OpenAI API, validation, LoRA + new-token-row training, and
// token-choice accuracy before and after, with one runs/summary.csv row.
import { fineTuneMethod } from '../kit/blocks.js';
import type { Recipe, StepContext } from '../kit/recipe.js';
import { formatTable, percent } from '../kit/report.js';
import { type SpecialTokensConfig, SpecialTokensConfigSchema } from './config.js';
import { confusionTable, type TokenChoice } from './evaluate.js';
import { SPECIAL_TOKENS_STEPS } from './steps.js';
import type { ValidationReport } from './validate.js';

const SUMMARY_COLUMNS = ['model', 'data', 'method', 'hyperparameters', 'valid_rate', 'base_token_choice_accuracy', 'token_choice_accuracy', 'result'];
/** The target for the tuned model. */
const TARGET = 0.9;

async function finish(ctx: StepContext<SpecialTokensConfig>) {
  const c = ctx.config;
  const r = await ctx.run.results();
  const [base, tuned] = [r.base as TokenChoice, r.tuned as TokenChoice];
  const validation = r.validation as Pick<ValidationReport, 'valid_rate' | 'balance' | 'valid' | 'total'>;
  const passed = tuned.accuracy >= TARGET;
  await ctx.run.addResults({ run: ctx.run.name, passed });
  const summary = await ctx.run.appendSummary(SUMMARY_COLUMNS, {
    model: c.model,
    data: `${c.data.problems} teacher=${c.teacher.mode}`,
    method: `${fineTuneMethod(c.quantization)}+token-rows thinking=${c.thinking ? 'on' : 'off'}`,
    hyperparameters: `r=${c.lora.r} alpha=${c.lora.alpha} lr=${c.train.learning_rate} epochs=${c.train.epochs} max_steps=${c.train.max_steps ?? 'all'} batch=${c.train.batch_size}x${c.train.grad_accum}`,
    valid_rate: validation.valid_rate.toFixed(4),
    base_token_choice_accuracy: base.accuracy.toFixed(4),
    token_choice_accuracy: tuned.accuracy.toFixed(4),
    result: passed ? 'PASS' : 'FAIL',
  });
  const table = formatTable(['metric', 'base', 'tuned'], [
    ['valid records', `${validation.valid}/${validation.total} (${percent(validation.valid_rate)})`, ''],
    ['balance', Object.entries(validation.balance).map(([t, n]) => `${t} ${n}`).join(', '), ''],
    ['token-choice accuracy', percent(base.accuracy), percent(tuned.accuracy)],
    [`result (tuned ≥ ${percent(TARGET)})`, '', passed ? 'PASS' : 'FAIL'],
  ]);
  return { table: `${table}\n\nbase:\n${confusionTable(base, c.tokens.add)}\n\ntuned:\n${confusionTable(tuned, c.tokens.add)}\n\nsummary row in ${summary}`, passed };
}

export const specialTokens: Recipe<SpecialTokensConfig> = {
  name: 'special-tokens',
  summary: 'add <|AGENT|>/<|EDIT|>, teacher data over the OpenAI API, validate, train; token-choice accuracy',
  schema: SpecialTokensConfigSchema,
  defaultPreset: 'default',
  steps: SPECIAL_TOKENS_STEPS,
  finish,
};
