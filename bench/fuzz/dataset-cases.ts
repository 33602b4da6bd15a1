// Mutated dataset files in the formats read whole (a JSON array, Parquet, Arrow IPC), each judged
// against a reference read: the format's own library decoding the bytes, with what pyarrow and
// Python's str add (strings must be valid UTF-8: a lenient decoder's U+FFFD marks bytes they
// refuse), then the record rules (an object per row, string question and answer, at most
// MAX_RECORD_BYTES of JSON per row). A mutant the reference loads must load as the same rows; one
// it refuses must end in a typed error naming the file (and the field, where one is to blame).
import { spawnSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Float64, Table, tableFromIPC, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Rng } from '../../src/cpu/random.js';
import { WgmlError } from '../../src/errors.js';
import { MAX_RECORD_BYTES, readTextRecords } from '../../src/io/dataset.js';
import type { Outcome } from './run-cases.js';

export const DATA_FORMATS = ['json', 'parquet', 'arrow'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

type Cell = string | number | null | undefined;
type Columns = Record<string, Cell[]>;

const QUESTIONS = ['Tom has 3 apples and buys 2. How many?', 'Lí has 10 sweets, eats 4: how many are left? 🍬', 'A train goes 60 km/h for 2 h. How far?'];
const ANSWERS = ['3 + 2 = <<3+2=5>>5\n#### 5', '10 - 4 = <<10-4=6>>6\n#### 6', '60 * 2 = <<60*2=120>>120\n#### 120'];

const FIELDS = ['question', 'answer'] as const;
const BYTE_KINDS = ['bit-flip', 'cut', 'splice'] as const;
const TABLE_KINDS = ['missing-field', 'wrong-type', 'null-cell', 'huge', 'extra-column', 'unicode', 'empty', 'seed'] as const;
const JSON_KINDS = ['not-array', 'element-not-object', 'invalid-utf8', 'trailing-garbage'] as const;

function seedColumns(): Columns {
  return { question: [...QUESTIONS], answer: [...ANSWERS] };
}

/** The table a kind starts from (before any byte mutation). */
function tableFor(format: DataFormat, kind: string, rng: Rng): Columns {
  const c = seedColumns();
  const row = rng.int(QUESTIONS.length);
  if (kind === 'missing-field') delete c[FIELDS[rng.int(2)]!];
  // A column has one type in Parquet and Arrow, so there the whole answer column is numbers.
  else if (kind === 'wrong-type') c.answer = c.answer!.map((a, i) => (i === row || format !== 'json' ? 5 + i : a));
  else if (kind === 'null-cell') c[FIELDS[rng.int(2)]!]![row] = null;
  else if (kind === 'huge') c.question![row] = 'x'.repeat(MAX_RECORD_BYTES + 1);
  else if (kind === 'extra-column') c.source = QUESTIONS.map((_, i) => `gsm8k/${i}`);
  else if (kind === 'unicode') c.question![row] = '数学: 𝑥² + ½ = ? — “quoted” \u2028 ok';
  else if (kind === 'empty') for (const k of Object.keys(c)) c[k] = [];
  return c;
}

function rowsOf(c: Columns): Record<string, Cell>[] {
  const n = Math.max(0, ...Object.values(c).map((v) => v.length));
  return Array.from({ length: n }, (_, i) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v[i]])));
}

function encode(format: DataFormat, c: Columns): Uint8Array {
  if (format === 'json') return new TextEncoder().encode(JSON.stringify(rowsOf(c)));
  if (format === 'parquet') {
    const columnData = Object.entries(c).map(([name, data]) => ({ name, data: data.map((v) => v ?? null) }));
    return new Uint8Array(parquetWriteBuffer({ columnData }));
  }
  // Plain Utf8 columns: tableFromArrays would dictionary-encode them under ids drawn from a global
  // counter, so the same table would give different bytes (and mutants) from case to case.
  const vectors = Object.entries(c).map(([k, v]) => [k, v.every((x) => typeof x !== 'number') ? vectorFromArray(v.map((x) => x ?? null), new Utf8()) : vectorFromArray(v.map(Number), new Float64())]);
  return tableToIPC(new Table(Object.fromEntries(vectors)), 'file');
}

/** A byte-level mutation: flipped bits, a cut, or random bytes spliced over a run. */
function mutateBytes(kind: (typeof BYTE_KINDS)[number], bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = Uint8Array.from(bytes);
  if (kind === 'bit-flip') {
    for (let k = 1 + rng.int(3); k > 0; k--) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return out;
  }
  if (kind === 'cut') return out.subarray(0, rng.int(out.length));
  const at = rng.int(out.length);
  for (let i = at; i < Math.min(out.length, at + 1 + rng.int(8)); i++) out[i] = rng.int(256);
  return out;
}

function jsonOnly(kind: (typeof JSON_KINDS)[number]): Uint8Array {
  const text = JSON.stringify(rowsOf(seedColumns()));
  if (kind === 'not-array') return new TextEncoder().encode(JSON.stringify({ rows: rowsOf(seedColumns()) }));
  if (kind === 'element-not-object') return new TextEncoder().encode(text.replace(/^\[/, '[42,'));
  if (kind === 'trailing-garbage') return new TextEncoder().encode(`${text} ]`);
  const bytes = new TextEncoder().encode(text);
  return Uint8Array.from([...bytes.subarray(0, 20), 0xc3, 0x28, ...bytes.subarray(20)]);
}

export interface DataMutant {
  readonly kind: string;
  readonly bytes: Uint8Array;
}

export function datasetMutant(format: DataFormat, rng: Rng, index: number): DataMutant {
  const kinds = [...BYTE_KINDS, ...TABLE_KINDS, ...(format === 'json' ? JSON_KINDS : [])];
  const kind = kinds[index % kinds.length]!;
  if ((JSON_KINDS as readonly string[]).includes(kind)) return { kind, bytes: jsonOnly(kind as (typeof JSON_KINDS)[number]) };
  if ((BYTE_KINDS as readonly string[]).includes(kind)) return { kind, bytes: mutateBytes(kind as (typeof BYTE_KINDS)[number], encode(format, seedColumns()), rng) };
  return { kind, bytes: encode(format, tableFor(format, kind, rng)) };
}

type Verdict = { rows: unknown[] } | { error: string; field?: string };

const json = (v: unknown) => JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

async function libraryRows(format: DataFormat, bytes: Uint8Array): Promise<unknown[]> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  if (format === 'json') {
    const parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
    if (!Array.isArray(parsed)) throw new Error('not an array');
    return parsed;
  }
  if (format === 'parquet') return parquetReadObjects({ file: buffer });
  return tableFromIPC(bytes).toArray().map((row: { toJSON(): unknown }) => row.toJSON());
}

function judgeRows(rows: unknown[]): Verdict {
  for (const row of rows) {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) return { error: 'a row is not an object' };
    const text = json(row);
    if (text.includes('\uFFFD')) return { error: 'invalid UTF-8 in a string' };
    for (const field of FIELDS) if (typeof (row as Record<string, unknown>)[field] !== 'string') return { error: `no string ${field}`, field };
    if (new TextEncoder().encode(text).length > MAX_RECORD_BYTES) return { error: 'a row over the record bound' };
  }
  return { rows };
}

/** What the reference makes of the bytes. */
export async function referenceVerdict(format: DataFormat, bytes: Uint8Array): Promise<Verdict> {
  let rows: unknown[];
  try {
    rows = await libraryRows(format, bytes);
  } catch (error) {
    return { error: (error as Error).message };
  }
  return judgeRows(rows);
}

// apache-arrow itself never returns on some mutants whose metadata wgml refuses as out of bounds
// (a negative table offset sends it round a loop), so for those the reference runs in a child
// process with a time limit: not returning within it counts as refusing the file.
const ARROW_CHILD = `import { tableFromIPC } from 'apache-arrow';
const chunks = []; for await (const c of process.stdin) chunks.push(c);
const rows = tableFromIPC(Buffer.concat(chunks)).toArray().map((r) => r.toJSON());
process.stdout.write(JSON.stringify(rows, (_, x) => (typeof x === 'bigint' ? x.toString() : x)));`;

function arrowReferenceInChild(bytes: Uint8Array): Verdict {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', ARROW_CHILD], { input: bytes, timeout: 5000, maxBuffer: 64 << 20, encoding: 'utf8' });
  if (child.error || child.status !== 0) return { error: child.error ? `the reference did not finish (${child.error.message})` : 'the reference refused it' };
  return judgeRows(JSON.parse(child.stdout) as unknown[]);
}

/** Writes the mutant, reads it with wgml, and compares with the reference. */
export async function datasetFormatCase(format: DataFormat, rng: Rng, scratch: string, index: number): Promise<{ kind: string; outcome: Outcome }> {
  const mutant = datasetMutant(format, rng, index);
  const path = join(scratch, `case-${index}.${format}`);
  await writeFile(path, mutant.bytes);
  let outcome: Outcome;
  try {
    let ours: unknown[] | Error;
    try {
      ours = await readTextRecords(path, FIELDS);
    } catch (error) {
      ours = error as Error;
    }
    const outOfBounds = ours instanceof Error && /not a readable Arrow IPC file/.test(ours.message);
    const verdict = outOfBounds ? arrowReferenceInChild(mutant.bytes) : await referenceVerdict(format, mutant.bytes);
    if (!(ours instanceof Error)) outcome = 'error' in verdict ? 'accepted-invalid' : json(ours) === json(verdict.rows) ? 'loaded' : 'loaded-different';
    else {
      const named = ours instanceof WgmlError && ours.message.includes(path) && ('error' in verdict && verdict.field && !outOfBounds ? ours.message.includes(`'${verdict.field}'`) : true);
      outcome = !named ? 'untyped-error' : 'error' in verdict ? 'rejected' : 'rejected-valid';
    }
  } finally {
    await rm(path, { force: true });
  }
  return { kind: `${format}-${mutant.kind}`, outcome };
}
