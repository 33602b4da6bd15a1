// One seed for every random test input. The run seed is WGML_TEST_SEED when set, else drawn once per test
// file; each freshRng() call derives its stream from (run seed, test name, call number), so a failing test
// replays alone with the line printed on its failure: WGML_TEST_SEED=<seed> npx vitest run <file> -t '<name>'.
import { beforeEach, expect } from 'vitest';
import { pcgHash, Rng } from '../../src/cpu/random.js';

export function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) throw new Error(`WGML_TEST_SEED must be an integer in [0, 2^32), not '${text}'`);
  return n;
}

/** The seed every random input of this test file derives from. */
export const RUN_SEED: number = parseSeed(process.env.WGML_TEST_SEED) ?? (Math.random() * 2 ** 32) >>> 0;

function hashString(text: string, h: number): number {
  for (let i = 0; i < text.length; i++) h = pcgHash((h ^ text.charCodeAt(i)) >>> 0);
  return h;
}

const calls = new Map<string, number>();
let drewThisTest = false;

beforeEach(({ onTestFailed, task }) => {
  drewThisTest = false;
  onTestFailed(() => {
    if (!drewThisTest) return;
    const file = task.file.filepath.replace(`${process.cwd()}/`, '');
    console.error(`random inputs from WGML_TEST_SEED=${RUN_SEED}; replay: WGML_TEST_SEED=${RUN_SEED} npx vitest run ${file} -t '${task.name}'`);
  });
});

/** The seed of the next random stream of the running test (or of the file, outside a test). */
export function nextSeed(): number {
  const state = expect.getState();
  const key = state.currentTestName ?? state.testPath ?? '';
  const k = calls.get(key) ?? 0;
  calls.set(key, k + 1);
  drewThisTest = true;
  return deriveSeed(RUN_SEED, key, k);
}

/** The seed of the k-th stream a test named `key` draws under run seed `run`. */
export function deriveSeed(run: number, key: string, k: number): number {
  return pcgHash((hashString(key, pcgHash(run)) ^ k) >>> 0);
}

/** A fresh random stream and its seed, derived from the run seed. */
export function seededRng(): { rng: Rng; seed: number } {
  const seed = nextSeed();
  return { rng: new Rng(seed), seed };
}
