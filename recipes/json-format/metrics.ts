// Grading a completion of a JSON-only task. format success: the whole completion, stripped, is
// exactly one JSON object with the schema's keys and value types (values are not compared; that
// is `correct`, graded by the task's strictness). Every other completion is filed under the
// failure kinds it shows, so the extras counters say what the model does instead.
import type { FieldType } from '../data/json-format.js';

export const FAILURES = ['prose_before', 'prose_after', 'code_fence', 'truncated', 'invalid_json', 'wrong_keys', 'wrong_types'] as const;
export type Failure = (typeof FAILURES)[number];

export interface FormatGrade {
  ok: boolean;
  /** Complete JSON objects found at the top level of the text. */
  objects: number;
  failures: Failure[];
}

interface Span {
  start: number;
  /** One past the closing brace; -1 when the text ends inside the object. */
  end: number;
}

/** Top-level brace-balanced spans, skipping braces inside JSON strings. */
function objectSpans(text: string): Span[] {
  const spans: Span[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"' && depth > 0) inString = true;
    else if (ch === '{' && depth++ === 0) start = i;
    else if (ch === '}' && depth > 0 && --depth === 0) spans.push({ start, end: i + 1 });
  }
  if (depth > 0) spans.push({ start, end: -1 });
  return spans;
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function hasType(value: unknown, type: FieldType): boolean {
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value);
  return typeof value === type;
}

/** Keys exactly the schema's (any order) and every value of its type. */
function schemaFailures(object: Record<string, unknown>, schema: Record<string, FieldType>): Failure[] {
  const keys = Object.keys(object);
  const want = Object.keys(schema);
  if (keys.length !== want.length || !want.every((k) => k in object)) return ['wrong_keys'];
  return want.every((k) => hasType(object[k], schema[k]!)) ? [] : ['wrong_types'];
}

/** Text outside the spans, fences removed: prose the model wrapped around its JSON. */
const prose = (text: string) => text.replace(/```(json)?/gi, '').trim().length > 0;

export function gradeFormat(completion: string, schema: Record<string, FieldType>): FormatGrade {
  const text = completion.trim();
  const spans = objectSpans(text);
  const closed = spans.filter((s) => s.end >= 0);
  const parsed = closed.map((s) => parseObject(text.slice(s.start, s.end)));
  const objects = parsed.filter((p) => p !== null);
  const failures = new Set<Failure>();
  if (text.includes('```')) failures.add('code_fence');
  if (spans.some((s) => s.end < 0)) failures.add('truncated');
  if (parsed.some((p) => p === null) || (spans.length === 0 && text.length > 0)) failures.add('invalid_json');
  if (spans.length === 0 && text.length === 0) failures.add('invalid_json');
  if (spans.length > 0 && prose(text.slice(0, spans[0]!.start))) failures.add('prose_before');
  const lastEnd = closed.at(-1)?.end;
  if (lastEnd !== undefined && spans.at(-1)!.end >= 0 && prose(text.slice(lastEnd))) failures.add('prose_after');
  if (objects[0]) for (const f of schemaFailures(objects[0], schema)) failures.add(f);
  return { ok: failures.size === 0 && objects.length === 1 && spans.length === 1, objects: objects.length, failures: FAILURES.filter((f) => failures.has(f)) };
}

export interface FormatMetrics {
  n: number;
  format_success_rate: number;
  /** Share of completions with two or more JSON objects. */
  duplicate_json_objects_rate: number;
  /** Share whose object's values are right under the task's strictness. */
  accuracy: number;
  /** Completions showing each failure kind (one completion may show several). */
  extras: Record<Failure, number>;
}

export function formatMetrics(grades: readonly (FormatGrade & { correct: boolean })[]): FormatMetrics {
  const n = grades.length;
  const share = (k: number) => k / Math.max(1, n);
  const extras = Object.fromEntries(FAILURES.map((f) => [f, grades.filter((g) => g.failures.includes(f)).length])) as Record<Failure, number>;
  return {
    n,
    format_success_rate: share(grades.filter((g) => g.ok).length),
    duplicate_json_objects_rate: share(grades.filter((g) => g.objects >= 2).length),
    accuracy: share(grades.filter((g) => g.correct).length),
    extras,
  };
}
