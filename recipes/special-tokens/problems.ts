// The buggy programs the teacher writes about: the shipped planted-bug file (name, buggy, fixed,
// test, error) or LiveCodeBench-style rows (question_id, question_content, starter_code, and
// public_test_cases when present), as JSONL or Parquet (LiveCodeBench ships Parquet).
import { extname } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { readLocatedRecords, type ReadRecordsOptions } from '../../src/io/dataset.js';

export interface Problem {
  id: string;
  code: string;
  /** The error message an EDIT instruction shows. */
  error: string;
  /** A test to run (AGENT answers name it). */
  test: string | null;
  /** The fixed program, when the source has one (the scripted teacher answers with it). */
  fixed: string | null;
}

type Row = Record<string, unknown>;
const str = (row: Row, key: string) => (typeof row[key] === 'string' ? (row[key] as string) : null);

const BUG_COLUMNS = ['name', 'buggy', 'test'] as const;
const LCB_COLUMNS = ['question_content', 'starter_code'] as const;

/** A planted-bug row (name, buggy, fixed, test, error), as data/special-tokens/bugs.jsonl and recipes/data/bugs.ts write it. */
export function fromBugRow(row: Row, where: string, index: number): Problem {
  const [name, code, test] = [str(row, 'name'), str(row, 'buggy'), str(row, 'test')];
  if (!name || !code || !test) throw new ConfigError(`${where}: needs string fields name, buggy and test`);
  // Rows whose error is null still fail their test: the assertion is the message.
  return { id: `${name}-${index}`, code, error: str(row, 'error') ?? `${test}\nAssertionError`, test, fixed: str(row, 'fixed') };
}

/** LiveCodeBench's public_test_cases is a JSON list of {input, output}; the first one makes the error message. */
function firstPublicTest(row: Row): string | null {
  try {
    const [t] = JSON.parse(str(row, 'public_test_cases') ?? '[]') as { input?: unknown; output?: unknown }[];
    return t && typeof t.input === 'string' && typeof t.output === 'string' ? `Input:\n${t.input.trimEnd()}\nExpected output:\n${t.output.trimEnd()}` : null;
  } catch {
    return null;
  }
}

function fromLiveCodeBenchRow(row: Row, where: string, index: number): Problem {
  const [question, starter] = [str(row, 'question_content'), str(row, 'starter_code')];
  if (question === null || starter === null) throw new ConfigError(`${where}: needs string fields question_content and starter_code`);
  const id = str(row, 'question_id') ?? `q${index}`;
  const test = firstPublicTest(row);
  const error = str(row, 'error') ?? `Wrong Answer on the first public test case${test ? `\n${test}` : ''}`;
  return { id, code: `# ${question.split('\n').join('\n# ')}\n${starter}`, error, test: null, fixed: null };
}

const fromRow = (row: Row, where: string, index: number) => ('question_content' in row ? fromLiveCodeBenchRow(row, where, index) : fromBugRow(row, where, index));

/** A columnar file has one set of columns: a missing one is named once, with the columns it has. */
function checkColumns(file: string, rows: readonly Row[]): void {
  const columns = Object.keys(rows[0] ?? {});
  const wanted = columns.includes('question_content') ? LCB_COLUMNS : columns.includes('buggy') ? BUG_COLUMNS : null;
  const missing = wanted?.filter((c) => !columns.includes(c)) ?? [];
  if (wanted && !missing.length) return;
  const what = wanted ? `has no column ${missing.map((m) => `'${m}'`).join(', ')}` : `has neither LiveCodeBench columns (${LCB_COLUMNS.join(', ')}) nor planted-bug columns (${BUG_COLUMNS.join(', ')})`;
  throw new ConfigError(`${file} ${what}; its columns: ${columns.join(', ') || 'none'}`);
}

/**
 * Every problem of a JSONL or Parquet file, each record bounded by `options.maxRecordBytes` as it
 * is read (JSONL streamed line by line); a row or file without the columns is an error naming them.
 */
export async function readProblems(file: string, options: ReadRecordsOptions = {}): Promise<Problem[]> {
  const rows = await readLocatedRecords(file, options);
  if (!rows.length) throw new ConfigError(`${file}: no problems in it`);
  if (extname(file).toLowerCase() !== '.jsonl') checkColumns(file, rows.map((r) => r.record));
  return rows.map(({ where, record }, i) => fromRow(record, where, i));
}
