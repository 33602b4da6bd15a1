// `npm run fuzz -- --cases N [--seed S]`: the long fuzz run; prints counts per target and
// outcome and exits non-zero when any case is a bug (accepted-invalid, rejected-valid,
// untyped-error, leaked).
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createDevice } from '../../src/platform/node.js';
import { FAILURES, makeWorld } from './run-cases.js';
import { formatTally, runSuite } from './suite.js';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' } } });
const cases = Number(values.cases);
const seed = Number(values.seed);
if (!Number.isSafeInteger(cases) || cases < 1 || !Number.isSafeInteger(seed)) {
  console.error('usage: npm run fuzz -- [--cases N] [--seed S]   (N ≥ 1, S an integer)');
  process.exit(2);
}
const device = await createDevice();
const world = await makeWorld(device, fileURLToPath(new URL('../../../models/qwen3-tiny', import.meta.url)));
const started = performance.now();
const tally = await runSuite(world, cases, seed, FAILURES);
console.log(formatTally(tally));
console.log(`${cases} cases, seed ${seed}, ${((performance.now() - started) / 1000).toFixed(1)} s`);
device.destroy();
process.exit(tally.failures.length ? 1 : 0);
