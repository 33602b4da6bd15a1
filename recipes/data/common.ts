// What the data generators share: seeded choices, de-duplicated drawing, and JSONL files.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../src/io/atomic.js';
import type { Rng } from '../../src/cpu/random.js';

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

/** A seeded Fisher–Yates shuffle of a copy. */
export function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Integer in [lo, hi], both ends included. */
export function between(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

/** Fills `{name}` slots; a slot with no value is an error, so a template typo cannot ship. */
export function fill(template: string, slots: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = slots[name];
    if (value === undefined) throw new Error(`template slot {${name}} has no value in "${template}"`);
    return String(value);
  });
}

/**
 * `count` records from `draw`, none sharing a `keyOf` with another (or with `exclude`): a generator's
 * templates repeat, so draws that repeat are dropped. Throws when the templates cannot make `count`.
 */
export function drawUnique<T>(count: number, draw: () => T, keyOf: (record: T) => string, exclude: ReadonlySet<string> = new Set()): T[] {
  const seen = new Set(exclude);
  const out: T[] = [];
  for (let attempts = 0; out.length < count; attempts++) {
    if (attempts > 50 * count + 1000) throw new Error(`only ${out.length} distinct records of the ${count} asked for; add templates or ask for fewer`);
    const record = draw();
    const key = keyOf(record);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(record);
  }
  return out;
}

export async function writeJsonl(path: string, records: readonly unknown[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, records.map((r) => JSON.stringify(r) + '\n').join(''));
}

export async function readJsonl<T>(path: string): Promise<T[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}
