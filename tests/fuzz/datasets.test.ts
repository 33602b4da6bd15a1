// Deterministic fuzzing of the dataset formats read whole (a JSON array, Parquet, Arrow IPC):
// every mutant either loads as the rows the reference reads, or ends in a typed wgml error
// naming the file, and the field when a row lacks it.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_FORMATS, datasetFormatCase } from '../../bench/fuzz/dataset-cases.js';
import type { Outcome } from '../../bench/fuzz/run-cases.js';
import { Rng } from '../../src/cpu/random.js';

const CASES = 120;

describe.each(DATA_FORMATS)('%s dataset fuzzing (120 cases, seed 1)', (format) => {
  it('loads what the reference loads and refuses the rest with a typed error naming the file and field', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'wgml-fuzz-data-'));
    const byOutcome = new Map<Outcome, string[]>();
    for (let index = 0; index < CASES; index++) {
      const { kind, outcome } = await datasetFormatCase(format, new Rng(7919 + index), scratch, index);
      byOutcome.set(outcome, [...(byOutcome.get(outcome) ?? []), `${index}:${kind}`]);
    }
    const bad = ['accepted-invalid', 'loaded-different', 'rejected-valid', 'untyped-error'].flatMap((o) => (byOutcome.get(o as Outcome) ?? []).map((c) => `${o} ${c}`));
    expect(bad).toEqual([]);
    expect(byOutcome.get('loaded')?.length, 'valid mutants (extra columns, unicode, no rows) load').toBeGreaterThan(10);
    expect(byOutcome.get('rejected')?.length, 'invalid mutants are refused').toBeGreaterThan(30);
  }, 120_000);
});
