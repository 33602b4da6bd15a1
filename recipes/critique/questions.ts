// The questions file: DeepScaleR's layout (a JSON array of {problem, answer, solution}) or JSONL, with
// GSM8K's `question` accepted for `problem`. Rows are checked up front so a bad one is reported by
// file and row before any model is loaded.
import { readFile } from 'node:fs/promises';
import { QuestionsFileError } from './errors.js';

export interface Question {
  /** Position in the questions file: the index every later file refers to. */
  index: number;
  problem: string;
  answer: string;
  solution?: string;
}

function parseRows(file: string, text: string): unknown[] {
  const trimmed = text.trimStart();
  try {
    if (trimmed.startsWith('[')) return JSON.parse(text) as unknown[];
  } catch (error) {
    throw new QuestionsFileError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  return text.split('\n').flatMap((line, i) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as unknown];
    } catch (error) {
      throw new QuestionsFileError(`${file} line ${i + 1}: not valid JSON (${(error as Error).message})`);
    }
  });
}

/** A DeepScaleR answer may be a number in JSON; it is compared as text. */
function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}

export function toQuestion(file: string, row: unknown, index: number): Question {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new QuestionsFileError(`${file} row ${index}: expected an object with "problem" and "answer"`);
  const r = row as Record<string, unknown>;
  const problem = asText(r['problem'] ?? r['question']);
  if (!problem) throw new QuestionsFileError(`${file} row ${index}: no "problem" (or "question") field; every row needs the question text`);
  const answer = asText(r['answer']);
  if (answer === undefined || answer.trim() === '') throw new QuestionsFileError(`${file} row ${index}: no "answer" field; every row needs its ground-truth answer`);
  const solution = asText(r['solution']);
  return { index, problem, answer, ...(solution ? { solution } : {}) };
}

/** Every question of `file` (the first `limit` when given), validated. */
export async function readQuestions(file: string, limit: number | null = null): Promise<Question[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new QuestionsFileError(`${file}: cannot read the questions file (${error.code ?? error.message})`);
  });
  const rows = parseRows(file, text);
  if (!Array.isArray(rows)) throw new QuestionsFileError(`${file}: expected a JSON array of questions or JSONL`);
  const taken = limit === null ? rows : rows.slice(0, limit);
  if (taken.length === 0) throw new QuestionsFileError(`${file}: no questions`);
  return taken.map((row, i) => toQuestion(file, row, i));
}
