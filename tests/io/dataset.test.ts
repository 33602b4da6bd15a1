import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { MAX_RECORD_BYTES, readRecords, readTextRecords } from '../../src/io/dataset.js';

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
    await expect(readTextRecords(file, ['question', 'answer'])).rejects.toThrow(/short\.jsonl:2: the record has no string field 'answer'/);
  });

  it('accept an alias for a field', async () => {
    const file = await fileWith('alias.jsonl', `${JSON.stringify({ input: 'hello' })}\n`);
    expect((await readTextRecords(file, ['prompt'], { prompt: ['input'] }))[0]!.prompt).toBe('hello');
  });

  it('refuse an unknown format by name', async () => {
    await expect(readRecords(await fileWith('a.csv', 'q,a\n'))).rejects.toThrow(/unknown data format '\.csv'/);
  });
});

describe('dataset bounds and strictness', () => {
  it('errors name the file line, counting blank lines, not the record number', async () => {
    const file = await fileWith('gappy.jsonl', `${JSON.stringify(rows[0])}\n\n\n${JSON.stringify({ question: 'x' })}\n`);
    await expect(readTextRecords(file, ['question', 'answer'])).rejects.toThrow(/gappy\.jsonl:4: the record has no string field 'answer'/);
  });

  it('a JSONL line over the record bound is an error naming its line, before later lines are read', async () => {
    const huge = JSON.stringify({ question: 'q'.repeat(MAX_RECORD_BYTES + 10), answer: '#### 1' });
    const file = await fileWith('huge.jsonl', `${JSON.stringify(rows[0])}\n${huge}\n{not json\n`);
    const err = await readRecords(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/huge\.jsonl:2: record is over 1048576 bytes/);
  });

  it('the record bound can be set per read', async () => {
    const file = await fileWith('small-bound.jsonl', `${JSON.stringify(rows[0])}\n`);
    await expect(readRecords(file, { maxRecordBytes: 10 })).rejects.toThrow(/small-bound\.jsonl:1: record is over 10 bytes/);
    expect(await readRecords(file, { maxRecordBytes: 1000 })).toEqual([rows[0]]);
  });

  it('a JSON array record over the bound is an error naming its record number', async () => {
    const file = await fileWith('big.json', JSON.stringify([rows[0], { question: 'q'.repeat(200), answer: '' }]));
    await expect(readRecords(file, { maxRecordBytes: 100 })).rejects.toThrow(/big\.json: record 2 is \d+ bytes, over the 100-byte bound/);
  });

  it('invalid UTF-8 in a JSONL line is an error naming the line, not a silent U+FFFD', async () => {
    const bytes = Buffer.concat([Buffer.from(`${JSON.stringify(rows[0])}\n{"question":"caf`), Buffer.from([0xe9]), Buffer.from('","answer":"x"}\n')]);
    await expect(readRecords(await fileWith('latin1.jsonl', bytes))).rejects.toThrow(/latin1\.jsonl:2: not valid UTF-8/);
  });

  it('a JSONL file without a final newline keeps its last record', async () => {
    const file = await fileWith('no-newline.jsonl', rows.map((r) => JSON.stringify(r)).join('\r\n'));
    expect(await readRecords(file)).toEqual(rows);
  });

  it('a line that is not an object names its line', async () => {
    const file = await fileWith('array-line.jsonl', `${JSON.stringify(rows[0])}\n[1, 2]\n`);
    await expect(readRecords(file)).rejects.toThrow(/array-line\.jsonl:2: the record is not a JSON object/);
  });
});

describe('strings in columnar files are strictly UTF-8, as pyarrow’s to_pylist reads them', () => {
  const invalid = (s: string) => s.replace('What', 'Wh\uFFFDt');
  /** Rewrites the ASCII bytes "What" to "Wh", 0xFF, "t" in an encoded file (same length). */
  function corrupt(bytes: Uint8Array): Uint8Array {
    const out = Uint8Array.from(bytes);
    const needle = new TextEncoder().encode('What');
    for (let i = 0; i + needle.length <= out.length; i++) if (needle.every((b, k) => out[i + k] === b)) out[i + 2] = 0xff;
    return out;
  }

  it('a Parquet string with invalid bytes is a ConfigError naming the file, not U+FFFD', async () => {
    const buffer = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'question', data: rows.map((r) => r.question) }, { name: 'answer', data: rows.map((r) => r.answer) }] }));
    const file = await fileWith('bad-utf8.parquet', corrupt(buffer));
    await expect(readRecords(file)).rejects.toThrow(/bad-utf8\.parquet: a string column holds bytes that are not valid UTF-8/);
    expect(invalid('What')).toContain('\uFFFD');
  });

  it('an Arrow dictionary-encoded string (tableFromArrays’ default) with invalid bytes is refused, naming the column', async () => {
    const table = tableFromArrays({ question: rows.map((r) => r.question), answer: rows.map((r) => r.answer) });
    const file = await fileWith('bad-utf8.arrow', corrupt(tableToIPC(table, 'file')));
    await expect(readRecords(file)).rejects.toThrow(/bad-utf8\.arrow: column 'question' holds bytes that are not valid UTF-8/);
  });

  it('an Arrow file whose metadata declares more buffers than it holds is refused at once, not decoded for seconds', async () => {
    // A fuzzed 1234-byte file (random bytes spliced into its metadata) whose record batch claims
    // 14,942,211 buffers: apache-arrow alone spends 20+ s and 1.4 GB building them.
    const file = fileURLToPath(new URL('fixtures/huge-buffer-count.arrow', import.meta.url));
    const started = performance.now();
    await expect(readRecords(file)).rejects.toThrow(/huge-buffer-count\.arrow: not a readable Arrow IPC file \(a vector of 14942211 entries/);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('Parquet columns typed JSON decode strictly', () => {
  const needle = '"Xq7Z"';
  const jsonFile = () => new Uint8Array(parquetWriteBuffer({ codec: 'UNCOMPRESSED', statistics: false, columnData: [{ name: 'question', data: rows.map((r) => r.question) }, { name: 'meta', type: 'JSON', data: [{ tag: 'fine' }, { tag: 'Xq7Z' }] }] }));
  /** `bytes` with `patch` applied at every place the ASCII `needle` occurs (same length). */
  function patched(bytes: Uint8Array, patch: (at: number, out: Uint8Array) => void): Uint8Array {
    const out = Uint8Array.from(bytes);
    const ascii = new TextEncoder().encode(needle);
    let hits = 0;
    for (let i = 0; i + ascii.length <= out.length; i++) if (ascii.every((b, k) => out[i + k] === b)) (patch(i, out), hits++);
    expect(hits, 'the value is stored verbatim').toBeGreaterThan(0);
    return out;
  }

  it('a JSON column reads as the values written', async () => {
    const file = await fileWith('json-column.parquet', jsonFile());
    expect((await readRecords(file)).map((r) => r.meta)).toEqual([{ tag: 'fine' }, { tag: 'Xq7Z' }]);
  });

  it('invalid JSON text in a JSON column is a ConfigError naming the file, column and row', async () => {
    // {"tag":"Xq7Z"} becomes {"tag":XXq7Z"}: the opening quote is gone.
    const file = await fileWith('bad-json.parquet', patched(jsonFile(), (at, out) => (out[at] = 0x58)));
    const error = await readRecords(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/bad-json\.parquet: column 'meta', row 2: a JSON value holds text that is not valid JSON/);
  });

  it('invalid UTF-8 in a JSON column is refused naming the column and row, not read as U+FFFD', async () => {
    const file = await fileWith('bad-json-utf8.parquet', patched(jsonFile(), (at, out) => (out[at + 2] = 0xff)));
    await expect(readRecords(file)).rejects.toThrow(/bad-json-utf8\.parquet: column 'meta', row 2: a JSON value holds bytes that are not valid UTF-8/);
  });
});
