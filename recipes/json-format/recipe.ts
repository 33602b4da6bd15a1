// `npx recipe json-format`: QLoRA SFT so that a Qwen model answers with exactly one JSON object and
// nothing else; base and tuned graded on the same eval prompts (format_success_rate, duplicate
// objects, what else the model wrote), curves of loss and format success over steps, one
// runs/summary.csv row and a before/after table.
import type { Recipe, StepContext } from '../kit/recipe.js';
import { formatTable, percent } from '../kit/report.js';
import { JsonFormatConfigSchema, type JsonFormatConfig } from './config.js';
import { FAILURES, type FormatMetrics } from './metrics.js';
import { JSON_FORMAT_STEPS } from './steps.js';

const SUMMARY_COLUMNS = ['model', 'data', 'method', 'hyperparameters', 'base_format_success_rate', 'format_success_rate', 'base_duplicate_json_objects_rate', 'duplicate_json_objects_rate', 'format_success_gain_threshold', 'result'];

export function beforeAfterTable(base: FormatMetrics, tuned: FormatMetrics, passed: boolean, gain: number): string {
  const counts = (m: FormatMetrics, f: (typeof FAILURES)[number]) => `${m.extras[f]}/${m.n}`;
  return formatTable(
    ['metric', 'base', 'tuned'],
    [
      ['format_success_rate', percent(base.format_success_rate), percent(tuned.format_success_rate)],
      ['duplicate_json_objects_rate', percent(base.duplicate_json_objects_rate), percent(tuned.duplicate_json_objects_rate)],
      ['accuracy (values)', percent(base.accuracy), percent(tuned.accuracy)],
      ...FAILURES.map((f) => [f, counts(base, f), counts(tuned, f)]),
      [`result (gain ≥ ${percent(gain)})`, '', passed ? 'PASS' : 'FAIL'],
    ],
  );
}

async function finish(ctx: StepContext<JsonFormatConfig>) {
  const c = ctx.config;
  const r = await ctx.run.results();
  const [base, tuned] = [r.base as FormatMetrics, r.tuned as FormatMetrics];
  const gain = c.thresholds.format_success_gain;
  const passed = tuned.format_success_rate - base.format_success_rate >= gain;
  await ctx.run.addResults({ run: ctx.run.name, passed });
  const t = c.train;
  const summary = await ctx.run.appendSummary(SUMMARY_COLUMNS, {
    model: c.model,
    data: c.data.train_file ?? `generated n_train=${c.data.n_train} neg=${c.data.hard_negative_prob_train} fix=${c.data.fix_bad_output_prob_train}`,
    method: `qlora-${c.quantization.format}${c.quantization.double_quant ? '-dq' : ''}`,
    hyperparameters: `r=${c.lora.r} alpha=${c.lora.alpha} lr=${t.learning_rate} epochs=${t.epochs} batch=${t.batch_size}x${t.grad_accum}`,
    base_format_success_rate: base.format_success_rate.toFixed(4),
    format_success_rate: tuned.format_success_rate.toFixed(4),
    base_duplicate_json_objects_rate: base.duplicate_json_objects_rate.toFixed(4),
    duplicate_json_objects_rate: tuned.duplicate_json_objects_rate.toFixed(4),
    format_success_gain_threshold: gain,
    result: passed ? 'PASS' : 'FAIL',
  });
  return { table: `${beforeAfterTable(base, tuned, passed, gain)}\n\nsummary row in ${summary}`, passed };
}

export const jsonFormat: Recipe<JsonFormatConfig> = {
  name: 'json-format',
  summary: 'QLoRA SFT to answer with exactly one JSON object; base vs tuned format_success_rate',
  schema: JsonFormatConfigSchema,
  defaultPreset: 'default',
  steps: JSON_FORMAT_STEPS,
  finish,
};
