import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { readRecords, readTextRecords } from '../../src/io/dataset.js';

const dir = await mkdtemp(join(tmpdir(), 'wgml-dataset-'));
const rows = [
  { question: 'What is 2+3?', answer: '#### 5' },
  { question: 'What is 7-4?', answer: '#### 3' },
];

async function fileWith(name: string, data: string | Uint8Array | ArrayBuffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof data === 'string' ? data : new Uint8Array(data));
  return path;
}

describe('dataset files', () => {
  it('read JSONL, skipping blank lines', async () => {
    const file = await fileWith('a.jsonl', rows.map((r) => JSON.stringify(r)).join('\n\n') + '\n');
    expect(await readRecords(file)).toEqual(rows);
  });

  it('read a JSON array', async () => {
    expect(await readRecords(await fileWith('a.json', JSON.stringify(rows)))).toEqual(rows);
  });

  it('read Parquet', async () => {
    const buffer = parquetWriteBuffer({ columnData: [{ name: 'question', data: rows.map((r) => r.question) }, { name: 'answer', data: rows.map((r) => r.answer) }] });
    expect(await readRecords(await fileWith('a.parquet', buffer))).toEqual(rows);
  });

  it('read Arrow IPC', async () => {
    const table = tableFromArrays({ question: rows.map((r) => r.question), answer: rows.map((r) => r.answer) });
    expect(await readRecords(await fileWith('a.arrow', tableToIPC(table, 'file')))).toEqual(rows);
  });

  it('name the file and line of bad JSON', async () => {
    const file = await fileWith('bad.jsonl', `${JSON.stringify(rows[0])}\n{oops\n`);
    await expect(readRecords(file)).rejects.toThrow(/bad\.jsonl:2: not valid JSON/);
  });

  it('name the file, row and field a record lacks', async () => {
    const file = await fileWith('short.jsonl', `${JSON.stringify(rows[0])}\n${JSON.stringify({ question: 'x' })}\n`);
    await expect(readTextRecords(file, ['question', 'answer'])).rejects.toThrow(/short\.jsonl: row 2 has no string field 'answer'/);
  });

  it('accept an alias for a field', async () => {
    const file = await fileWith('alias.jsonl', `${JSON.stringify({ input: 'hello' })}\n`);
    expect((await readTextRecords(file, ['prompt'], { prompt: ['input'] }))[0]!.prompt).toBe('hello');
  });

  it('refuse an unknown format by name', async () => {
    await expect(readRecords(await fileWith('a.csv', 'q,a\n'))).rejects.toThrow(/unknown data format '\.csv'/);
  });
});
