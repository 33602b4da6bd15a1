// GSM8K records as the recipe and make:models read them: a question and a worked answer ending
// `#### n`, from any file src/io/dataset reads (JSONL, JSON, Parquet, Arrow).
import { ConfigError } from '../../src/errors.js';
import { readTextRecords, type ReadRecordsOptions } from '../../src/io/dataset.js';

export interface GsmRecord {
  question: string;
  answer: string;
}

export async function readGsm8k(file: string, options: ReadRecordsOptions = {}): Promise<GsmRecord[]> {
  const rows = await readTextRecords(file, ['question', 'answer'], {}, options);
  if (rows.length === 0) throw new ConfigError(`${file}: no records`);
  return rows.map((r) => ({ question: r.question, answer: r.answer }));
}
