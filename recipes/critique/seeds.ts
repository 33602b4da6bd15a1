// Per-sample seeds: sample s of question q draws from a seed made of (run seed, q, s) alone, so
// which other requests share the engine's batch, and how chunks are split, cannot change it.
import { pcgHash } from '../../src/cpu/random.js';

export function sampleSeed(runSeed: number, question: number, sample: number): number {
  return pcgHash((pcgHash((pcgHash(runSeed) ^ question) >>> 0) ^ sample) >>> 0);
}
