// Shared bench plumbing: tinybench timing of GPU work, the copy-bandwidth roof, tables and JSON.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Bench } from 'tinybench';
import type { Device } from '../src/gpu/device.js';
import { writeFileAtomic } from '../src/io/atomic.js';

export interface BenchRow {
  kernel: string;
  shape: string;
  ms: number;
  /** GFLOP/s for compute-bound kernels, GB/s for memory-bound ones. */
  rate: number;
  unit: 'GFLOP/s' | 'GB/s';
  /** rate over the roof it is measured against (copy bandwidth for GB/s rows). */
  ofRoof?: number;
  peer?: { name: string; ms: number; ratio: number };
}

/** The middle value of `xs` (the upper one of an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

/** Mean milliseconds per call of `fn`, which must finish its GPU work (device.sync) before returning. */
export async function timeMs(fn: () => Promise<void>, budgetMs: number, minIterations = 2): Promise<number> {
  const bench = new Bench({ time: budgetMs, iterations: minIterations, warmupIterations: 1, warmupTime: 0 });
  bench.add('task', fn);
  await bench.run();
  const result = bench.tasks[0]!.result;
  if (!('latency' in result)) throw new Error(`bench task failed: ${JSON.stringify(result)}`);
  return result.latency.mean;
}

/** Device-to-device copy bandwidth (read + write bytes), the roof for memory-bound kernels. */
export async function copyBandwidth(device: Device): Promise<number> {
  const bytes = Math.min(64 << 20, device.maxBindingBytes);
  const src = device.pool.acquire(bytes);
  const dst = device.pool.acquire(bytes);
  const ms = await timeMs(async () => {
    device.recorder.copy(src, 0, dst, 0, bytes);
    await device.sync();
  }, 500);
  device.pool.release(src);
  device.pool.release(dst);
  return (2 * bytes) / ms / 1e6;
}

export function printTable(title: string, rows: BenchRow[]): void {
  console.log(`\n${title}`);
  console.table(
    rows.map((r) => ({
      kernel: r.kernel,
      shape: r.shape,
      ms: +r.ms.toFixed(3),
      rate: `${r.rate.toFixed(2)} ${r.unit}`,
      'of roof': r.ofRoof === undefined ? '' : `${(100 * r.ofRoof).toFixed(1)}%`,
      peer: r.peer ? `${r.peer.name} ${r.peer.ms.toFixed(1)} ms` : '',
      'gpu/peer': r.peer ? `${r.peer.ratio.toFixed(1)}×` : '',
    })),
  );
}

/**
 * bench/results/<name>.json under the working directory (the repository's own when run from its root,
 * as `npm run bench` does; never inside an installed package), written atomically.
 */
export async function writeResults(name: string, payload: unknown): Promise<string> {
  const file = join(process.cwd(), 'bench', 'results', `${name}.json`);
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, JSON.stringify(payload, null, 2) + '\n');
  return file;
}
