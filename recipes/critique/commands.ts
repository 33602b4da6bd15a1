// The commands step: one `generate` command line per worker, each owning a contiguous range of
// chunks, as the original pipeline splits its chunks over 8 GPUs. Every worker writes into the same
// run directory (a shared disk, or copy the chunk files together), and `merge` then checks the set.
// The vLLM lines of --backend cuda are cuda.ts's.

export interface WorkerPlan {
  worker: number;
  /** Inclusive chunk ids. */
  first: number;
  last: number;
}

/** `chunks` split into at most `workers` contiguous ranges, sizes differing by at most one. */
export function workerPlans(chunks: number, workers: number): WorkerPlan[] {
  const used = Math.min(workers, chunks);
  const plans: WorkerPlan[] = [];
  for (let w = 0, first = 0; w < used; w++) {
    const size = Math.floor(chunks / used) + (w < chunks % used ? 1 : 0);
    plans.push({ worker: w, first, last: first + size - 1 });
    first += size;
  }
  return plans;
}

/** The command line of each worker: the same config file and run directory, its own chunk range. */
export function workerCommands(plans: readonly WorkerPlan[], c: { config: string; run: string }): string[] {
  return plans.map((p) => {
    const range = p.first === p.last ? String(p.first) : `${p.first}-${p.last}`;
    return `npx recipe critique generate --config ${c.config} --run ${c.run} --chunk-id ${range}   # worker ${p.worker}: chunks ${range}`;
  });
}
