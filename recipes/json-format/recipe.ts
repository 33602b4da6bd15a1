// `npx recipe json-format`: QLoRA SFT so that a Qwen model answers with exactly one JSON object and
// nothing else; base, base with constrained decoding, and tuned graded on the same eval prompts
// (format_success_rate, duplicate objects, what else the model wrote), curves of loss and format
// success over steps, one runs/summary.csv row and a before/after table.
import { fineTuneMethod } from '../kit/blocks.js';
import type { Recipe, StepContext } from '../kit/recipe.js';
import { formatTable, percent } from '../kit/report.js';
import { JsonFormatConfigSchema, type JsonFormatConfig } from './config.js';
import { FAILURES, type FormatMetrics } from './metrics.js';
import { JSON_FORMAT_STEPS } from './steps.js';

const SUMMARY_COLUMNS = ['model', 'data', 'method', 'hyperparameters', 'base_format_success_rate', 'constrained_format_success_rate', 'format_success_rate', 'base_duplicate_json_objects_rate', 'constrained_duplicate_json_objects_rate', 'duplicate_json_objects_rate', 'format_success_gain_threshold', 'result'];

export interface JsonFormatRows {
  base: FormatMetrics;
  /** The base decoding under each task's json_schema: what constrained decoding alone buys. */
  constrained: FormatMetrics;
  tuned: FormatMetrics;
}

/** PASS/FAIL compares tuned with the free base; the constrained column is the reference point. */
export function beforeAfterTable(r: JsonFormatRows, passed: boolean, gain: number): string {
  const models = [r.base, r.constrained, r.tuned];
  const row = (name: string, cell: (m: FormatMetrics) => string) => [name, ...models.map(cell)];
  return formatTable(
    ['metric', 'base', 'base + constrained', 'tuned'],
    [
      row('format_success_rate', (m) => percent(m.format_success_rate)),
      row('duplicate_json_objects_rate', (m) => percent(m.duplicate_json_objects_rate)),
      row('accuracy (values)', (m) => percent(m.accuracy)),
      ...FAILURES.map((f) => row(f, (m) => `${m.extras[f]}/${m.n}`)),
      [`result (tuned − base ≥ ${percent(gain)})`, '', '', passed ? 'PASS' : 'FAIL'],
    ],
  );
}

async function finish(ctx: StepContext<JsonFormatConfig>) {
  const c = ctx.config;
  const r = await ctx.run.results();
  const rows = { base: r.base, constrained: r.constrained, tuned: r.tuned } as JsonFormatRows;
  const { base, constrained, tuned } = rows;
  const gain = c.thresholds.format_success_gain;
  const passed = tuned.format_success_rate - base.format_success_rate >= gain;
  await ctx.run.addResults({ run: ctx.run.name, passed });
  const t = c.train;
  const summary = await ctx.run.appendSummary(SUMMARY_COLUMNS, {
    model: c.model,
    data: c.data.train_file ?? `generated n_train=${c.data.n_train} neg=${c.data.hard_negative_prob_train} fix=${c.data.fix_bad_output_prob_train}`,
    method: fineTuneMethod(c.quantization),
    hyperparameters: `r=${c.lora.r} alpha=${c.lora.alpha} lr=${t.learning_rate} epochs=${t.epochs} batch=${t.batch_size}x${t.grad_accum}`,
    base_format_success_rate: base.format_success_rate.toFixed(4),
    constrained_format_success_rate: constrained.format_success_rate.toFixed(4),
    format_success_rate: tuned.format_success_rate.toFixed(4),
    base_duplicate_json_objects_rate: base.duplicate_json_objects_rate.toFixed(4),
    constrained_duplicate_json_objects_rate: constrained.duplicate_json_objects_rate.toFixed(4),
    duplicate_json_objects_rate: tuned.duplicate_json_objects_rate.toFixed(4),
    format_success_gain_threshold: gain,
    result: passed ? 'PASS' : 'FAIL',
  });
  return { table: `${beforeAfterTable(rows, passed, gain)}\n\nsummary row in ${summary}`, passed };
}

export const jsonFormat: Recipe<JsonFormatConfig> = {
  name: 'json-format',
  summary: 'QLoRA SFT to answer with exactly one JSON object; base, base + constrained decoding and tuned format_success_rate',
  schema: JsonFormatConfigSchema,
  defaultPreset: 'default',
  steps: JSON_FORMAT_STEPS,
  finish,
};
