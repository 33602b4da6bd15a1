// `npx recipe gsm8k-qlora`: QLoRA SFT of a Qwen model on GSM8K, with the base and the fine-tuned
// model evaluated in the same run on the same few-shot prompts (accuracy) and safety prompts (a
// judge's safety rate), every output under runs/gsm8k-qlora/<run>/ and one row in runs/summary.csv.
import type { Recipe, StepContext } from '../kit/recipe.js';
import { Gsm8kQloraConfigSchema, type Gsm8kQloraConfig } from './config.js';
import { passes, resultTable, summaryRow, SUMMARY_COLUMNS, type ModelScores, type RunResult } from './outputs.js';
import { GSM8K_STEPS } from './steps.js';

/** results.json in its final shape, the summary row, the PASS/FAIL table. */
async function finish(ctx: StepContext<Gsm8kQloraConfig>) {
  const r = await ctx.run.results();
  const result: RunResult = { run: ctx.run.name, base: r.base as ModelScores, tuned: r.tuned as ModelScores, chosenCheckpoint: r.chosenCheckpoint as string, passed: false };
  result.passed = passes(ctx.config, result.tuned);
  await ctx.run.addResults(result);
  const summary = await ctx.run.appendSummary(SUMMARY_COLUMNS, summaryRow(ctx.config, result));
  return { table: `${resultTable(ctx.config, result)}\n\nsummary row in ${summary}`, passed: result.passed };
}

export const gsm8kQlora: Recipe<Gsm8kQloraConfig> = {
  name: 'gsm8k-qlora',
  summary: 'QLoRA SFT on GSM8K; base vs fine-tuned accuracy and safety rate, PASS/FAIL vs thresholds',
  schema: Gsm8kQloraConfigSchema,
  defaultPreset: 'simple',
  steps: GSM8K_STEPS,
  finish,
};
