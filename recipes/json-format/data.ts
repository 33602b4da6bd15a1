// `npx recipe json-format data`: the run's train.jsonl and eval.jsonl (generated with the config's
// knobs, or read from your own files), with stats.json and stats.md describing the mix.
import { Rng } from '../../src/cpu/random.js';
import { ConfigError } from '../../src/errors.js';
import { readLocatedRecords, type ReadRecordsOptions } from '../../src/io/dataset.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { drawUnique } from '../data/common.js';
import { drawTask, NEGATIVES, withRepair, type FieldType, type JsonTask, type JsonValue } from '../data/json-format.js';
import { resolveAsset } from '../kit/paths.js';
import { formatTable } from '../kit/report.js';
import type { RunDir } from '../kit/run-dir.js';
import type { JsonFormatConfig } from './config.js';

type DataConfig = JsonFormatConfig['data'];

/**
 * `task` with the schema after the text, on a line of its own: the reply's first tokens (`{"` and the
 * first key) then repeat the prompt's last ones, which is what a small model can learn to copy.
 */
export function schemaAfterText(task: JsonTask): JsonTask {
  const instruction = task.prompt.slice(0, task.prompt.indexOf('\nSchema: '));
  return { ...task, prompt: `${instruction}\nText: ${task.input}\nSchema:\n${JSON.stringify(task.schema)}` };
}

/** Train and eval tasks drawn from one seeded stream, so no eval prompt is a training prompt. */
export function generateSplits(d: DataConfig): { train: JsonTask[]; eval: JsonTask[] } {
  const rng = new Rng(d.seed);
  const form = d.schema_position === 'after_text' ? schemaAfterText : (t: JsonTask) => t;
  const draw = (share: number) => () => form(drawTask(rng, share, NEGATIVES, d.schema_fields));
  const train = drawUnique(d.n_train, draw(d.hard_negative_prob_train), (t) => t.prompt).map((t) => (rng.next() < d.fix_bad_output_prob_train ? withRepair(rng, t) : t));
  const seen = new Set(train.map((t) => t.prompt));
  const evalTasks = drawUnique(d.n_eval, draw(d.hard_negative_prob_eval), (t) => t.prompt, seen);
  return { train, eval: evalTasks.map((t) => ({ ...t, strictness: d.eval_strictness })) };
}

function typeOf(value: unknown, where: string): FieldType {
  if (typeof value === 'boolean' || typeof value === 'string') return typeof value as FieldType;
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  throw new ConfigError(`${where}: values must be strings, numbers or booleans`);
}

/**
 * Rows with `prompt` and `output` (an object, or its JSON text); the schema is the row's or the
 * output's own. Each row is bounded by `options.maxRecordBytes` as it is read.
 */
export async function readTasks(file: string, strictness: 'easy' | 'hard', options: ReadRecordsOptions = {}): Promise<JsonTask[]> {
  const rows = await readLocatedRecords(file, options);
  if (rows.length === 0) throw new ConfigError(`${file}: no rows`);
  return rows.map(({ where, record: row }) => {
    const raw = typeof row.output === 'string' ? parseOrNull(row.output) : row.output;
    if (typeof row.prompt !== 'string' || typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${where}: needs a "prompt" string and an "output" JSON object`);
    const output = raw as Record<string, JsonValue>;
    const schema = (row.schema as Record<string, FieldType> | undefined) ?? Object.fromEntries(Object.entries(output).map(([k, v]) => [k, typeOf(v, where)]));
    return { entity: String(row.entity ?? 'custom'), schema, input: String(row.input ?? ''), prompt: row.prompt, output, completion: JSON.stringify(output), negative: (row.negative as JsonTask['negative']) ?? null, strictness };
  });
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function counts<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of items) out[key(t)] = (out[key(t)] ?? 0) + 1;
  return out;
}

/** The mix of one split: entities, negative kinds, repairs, strictness, prompt and completion lengths. */
export function splitStats(tasks: readonly JsonTask[]) {
  const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
  return {
    n: tasks.length,
    entities: counts(tasks, (t) => t.entity),
    negatives: counts(tasks, (t) => t.negative ?? 'none'),
    repairs: counts(tasks, (t) => t.repair ?? 'none'),
    strictness: counts(tasks, (t) => t.strictness),
    prompt_chars_mean: mean(tasks.map((t) => t.prompt.length)),
    completion_chars_mean: mean(tasks.map((t) => t.completion.length)),
  };
}

function statsMarkdown(stats: Record<string, ReturnType<typeof splitStats>>): string {
  const keys = ['entities', 'negatives', 'repairs', 'strictness'] as const;
  const rows = Object.entries(stats).flatMap(([split, s]) => [[split, 'n', String(s.n)], ...keys.flatMap((k) => Object.entries(s[k]).map(([name, n]) => [split, `${k}: ${name}`, String(n)])), [split, 'prompt chars (mean)', String(s.prompt_chars_mean)], [split, 'completion chars (mean)', String(s.completion_chars_mean)]]);
  return `# json-format data\n\n\`\`\`\n${formatTable(['split', 'what', 'count'], rows)}\n\`\`\`\n`;
}

export async function writeData(c: JsonFormatConfig, run: RunDir): Promise<{ train: JsonTask[]; eval: JsonTask[] }> {
  const d = c.data;
  const generated = d.train_file && d.eval_file ? null : generateSplits(d);
  const bound = { maxRecordBytes: d.max_record_bytes };
  const train = d.train_file ? await readTasks(resolveAsset(d.train_file), 'hard', bound) : generated!.train;
  const evalTasks = d.eval_file ? await readTasks(resolveAsset(d.eval_file), d.eval_strictness, bound) : generated!.eval;
  await run.writeJsonl('train.jsonl', train);
  await run.writeJsonl('eval.jsonl', evalTasks);
  const stats = { train: splitStats(train), eval: splitStats(evalTasks) };
  await writeFileAtomic(run.path('stats.json'), JSON.stringify(stats, null, 2) + '\n');
  await writeFileAtomic(run.path('stats.md'), statsMarkdown(stats));
  return { train, eval: evalTasks };
}
