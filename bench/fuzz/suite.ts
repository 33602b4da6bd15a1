// The fuzz suite: `cases` deterministic cases spread over the targets, tallied by outcome.
import { type FuzzWorld, type Outcome, type Target, TARGETS, runCase } from './run-cases.js';

export interface Tally {
  /** target → outcome → count */
  readonly counts: Map<Target, Map<Outcome, number>>;
  /** The first few cases with a failing outcome, to replay: target, index, kind. */
  readonly failures: { target: Target; index: number; kind: string; outcome: Outcome }[];
}

// Loads through the GPU cost ~50x a header parse, so most cases go to the pure readers.
const SHARE: Record<Target, number> = { safetensors: 10, dataset: 4, dataset_json: 2, dataset_parquet: 2, dataset_arrow: 2, tokenizer_config: 2, config: 2, adapter_config: 2 };

export async function runSuite(world: FuzzWorld, cases: number, seed: number, failing: readonly Outcome[]): Promise<Tally> {
  const total = Object.values(SHARE).reduce((a, b) => a + b, 0);
  const counts = new Map<Target, Map<Outcome, number>>();
  const failures: Tally['failures'] = [];
  for (const target of TARGETS) {
    const n = Math.max(1, Math.round((cases * SHARE[target]) / total));
    const byOutcome = new Map<Outcome, number>();
    for (let index = 0; index < n; index++) {
      const { kind, outcome } = await runCase(world, target, seed, index);
      byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
      if (failing.includes(outcome) && failures.length < 20) failures.push({ target, index, kind, outcome });
    }
    counts.set(target, byOutcome);
  }
  return { counts, failures };
}

export function formatTally({ counts, failures }: Tally): string {
  const lines = ['target            outcome            count'];
  for (const [target, byOutcome] of counts) {
    for (const [outcome, n] of [...byOutcome].sort()) lines.push(`${target.padEnd(18)}${outcome.padEnd(19)}${n}`);
  }
  for (const f of failures) lines.push(`FAIL ${f.target} case ${f.index} (${f.kind}): ${f.outcome}`);
  return lines.join('\n');
}
