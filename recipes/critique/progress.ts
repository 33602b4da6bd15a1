// Progress of sampling: questions/s, samples/s, tokens/s and ETA on one line, at most every few
// seconds (and at each chunk's end), so a long chunk still shows it is moving.
import { duration } from '../../src/train/metrics.js';
import type { ProgressSink } from '../kit/progress.js';

export class SamplingProgress {
  private readonly started = performance.now();
  private lastLine = 0;
  private questions = 0;
  private samples = 0;
  private tokens = 0;
  private printed = false;

  constructor(
    private readonly label: string,
    private readonly totalQuestions: number,
    private readonly sink: ProgressSink,
    private readonly everyMs = 5000,
  ) {}

  sample(tokens: number): void {
    this.samples++;
    this.tokens += tokens;
  }

  question(): void {
    this.questions++;
  }

  /** Prints the first line, then when `force` or when the last one is older than everyMs. */
  report(where: string, force = false): void {
    const now = performance.now();
    if (!force && this.printed && now - this.lastLine < this.everyMs) return;
    this.printed = true;
    this.lastLine = now;
    const s = (now - this.started) / 1000;
    const eta = this.questions > 0 ? (s / this.questions) * (this.totalQuestions - this.questions) : Infinity;
    this.sink(`${this.label} ${where} · ${this.questions}/${this.totalQuestions} questions · ${(this.questions / s).toFixed(2)} questions/s · ${(this.samples / s).toFixed(1)} samples/s · ${(this.tokens / s).toFixed(0)} tok/s · ETA ${duration(eta)}`);
  }
}
