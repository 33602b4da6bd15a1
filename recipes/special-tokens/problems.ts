// The buggy programs the teacher writes about: the shipped planted-bug file (name, buggy, fixed,
// test, error) or LiveCodeBench-style rows (question_id, question_content, starter_code), JSONL.
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../src/errors.js';

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

function fromBugRow(row: Row, where: string, index: number): Problem {
  const [name, code, test] = [str(row, 'name'), str(row, 'buggy'), str(row, 'test')];
  if (!name || !code || !test) throw new ConfigError(`${where}: needs string fields name, buggy and test`);
  // Rows whose error is null still fail their test: the assertion is the message.
  return { id: `${name}-${index}`, code, error: str(row, 'error') ?? `${test}\nAssertionError`, test, fixed: str(row, 'fixed') };
}

function fromLiveCodeBenchRow(row: Row, where: string, index: number): Problem {
  const [question, starter] = [str(row, 'question_content'), str(row, 'starter_code')];
  if (question === null || starter === null) throw new ConfigError(`${where}: needs string fields question_content and starter_code`);
  const id = str(row, 'question_id') ?? `q${index}`;
  return { id, code: `# ${question.split('\n').join('\n# ')}\n${starter}`, error: str(row, 'error') ?? 'Wrong Answer on the first public test case', test: null, fixed: null };
}

/** Every row of a problems JSONL file; a row with neither column set is an error naming its line. */
export async function readProblems(file: string): Promise<Problem[]> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new ConfigError(`${file}: cannot read problems (${e.code ?? e.message}); set data.problems`);
  });
  const lines = text.split('\n').filter((l) => l.trim());
  return lines.map((line, i) => {
    const where = `${file}:${i + 1}`;
    let row: Row;
    try {
      row = JSON.parse(line) as Row;
    } catch {
      throw new ConfigError(`${where}: not JSON`);
    }
    return 'question_content' in row ? fromLiveCodeBenchRow(row, where, i) : fromBugRow(row, where, i);
  });
}
