// Interleaved A/B timing: two ways of doing the same GPU work, alternated in one process so a
// loaded machine slows both alike; medians of many reps and their ratio.
import type { Device } from '../src/gpu/device.js';

export interface AbResult {
  aMs: number;
  bMs: number;
  /** aMs / bMs: above 1 when B is faster. */
  ratio: number;
  reps: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

/** Milliseconds per call of `record` (which records GPU work), `copies` calls per submission. */
async function sample(device: Device, record: () => void, copies: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < copies; i++) record();
  await device.sync();
  return (performance.now() - t0) / copies;
}

/** A and B alternated (the order flipped every rep), after a warm-up of each; copies per submission sized for about 5 ms. */
export async function interleavedAb(device: Device, a: () => void, b: () => void, reps = 21): Promise<AbResult> {
  const warm = Math.min(await sample(device, a, 1), await sample(device, b, 1));
  const copies = Math.max(1, Math.min(32, Math.round(5 / Math.max(warm, 0.05))));
  const [as, bs]: [number[], number[]] = [[], []];
  for (let r = 0; r < reps; r++) {
    if (r % 2 === 0) {
      as.push(await sample(device, a, copies));
      bs.push(await sample(device, b, copies));
    } else {
      bs.push(await sample(device, b, copies));
      as.push(await sample(device, a, copies));
    }
  }
  const [aMs, bMs] = [median(as), median(bs)];
  return { aMs, bMs, ratio: aMs / bMs, reps };
}
