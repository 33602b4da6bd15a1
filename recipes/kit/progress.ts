// Progress of long evaluation loops: items done, throughput and ETA on one line.
import { duration } from '../../src/train/metrics.js';

export type ProgressSink = (line: string) => void;

/** Reports `label done/total · N tok/s · ETA` after each unit of work. */
export class Progress {
  private readonly started = performance.now();
  private tokens = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly sink: ProgressSink,
  ) {}

  advance(done: number, tokens = 0): void {
    this.tokens += tokens;
    const elapsed = (performance.now() - this.started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : Infinity;
    const rate = this.tokens > 0 ? ` · ${(this.tokens / elapsed).toFixed(1)} tok/s` : '';
    this.sink(`${this.label} ${done}/${this.total}${rate} · ETA ${duration(eta)}`);
  }
}
