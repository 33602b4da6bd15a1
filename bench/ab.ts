// Interleaved A/B(/C…) timing: ways of doing the same GPU work, alternated in one process (the
// order rotated every rep) so a loaded machine slows them alike; the median of each.
import type { Device } from '../src/gpu/device.js';
import { median } from './harness.js';

export interface Interleaved {
  /** Median milliseconds per call, by name. */
  ms: Record<string, number>;
  reps: number;
}

/** Milliseconds per call of `record` (which records GPU work), `copies` calls per submission. */
async function sample(device: Device, record: () => void, copies: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < copies; i++) record();
  await device.sync();
  return (performance.now() - t0) / copies;
}

/** Each of `runs` once to warm up, then `reps` rounds in rotated order; copies per submission sized for about 5 ms. */
export async function interleaved(device: Device, runs: Record<string, () => void>, reps = 21): Promise<Interleaved> {
  const names = Object.keys(runs);
  let warm = Infinity;
  for (const name of names) warm = Math.min(warm, await sample(device, runs[name]!, 1));
  const copies = Math.max(1, Math.min(32, Math.round(5 / Math.max(warm, 0.05))));
  const times = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length]!;
      times.get(name)!.push(await sample(device, runs[name]!, copies));
    }
  }
  return { ms: Object.fromEntries(names.map((n) => [n, median(times.get(n)!)])), reps };
}
