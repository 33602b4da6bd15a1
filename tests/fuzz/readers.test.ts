// Deterministic fuzzing of the readers (safetensors, config.json, adapter_config.json,
// tokenizer_config.json, JSONL data): every mutated input ends in a typed wgml error naming the
// file, or loads what the reference loads, and no failed load leaks GPU memory.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FAILURES, makeWorld } from '../../bench/fuzz/run-cases.js';
import { formatTally, runSuite } from '../../bench/fuzz/suite.js';
import { testDevice } from '../helpers/gpu.js';

const device = await testDevice();
const world = await makeWorld(device, fileURLToPath(new URL('../../models/qwen3-tiny', import.meta.url)));

describe('reader fuzzing (300 cases, seed 1)', () => {
  it('no mutated input is accepted when invalid, rejected when valid, met with an untyped error, or leaks', async () => {
    const tally = await runSuite(world, 300, 1, FAILURES);
    expect(tally.failures, formatTally(tally)).toEqual([]);
    const loaded = [...tally.counts.values()].reduce((n, m) => n + (m.get('loaded') ?? 0), 0);
    expect(loaded, 'some mutants are valid and must load').toBeGreaterThan(0);
  });
});
