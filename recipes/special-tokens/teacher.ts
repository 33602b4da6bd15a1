// Asks a teacher model for one completion per job through the `openai` client: at most
// `concurrency` requests in flight, each with its own timeout, retried with exponential backoff and
// full jitter on 429, 5xx, timeouts and dropped connections. Results are appended to a JSONL file
// as they arrive, so a kill loses at most the requests in flight, and a rerun skips finished ids.
import { open, readFile, truncate } from 'node:fs/promises';
import OpenAI from 'openai';
import { duration } from '../../src/train/metrics.js';
import type { ProgressSink } from '../kit/progress.js';

export interface TeacherJob {
  id: string;
  messages: { role: 'system' | 'user'; content: string }[];
}

export interface TeacherOptions {
  client: OpenAI;
  model: string;
  concurrency: number;
  /** Per request, milliseconds. */
  timeoutMs: number;
  /** Retries after the first try. */
  maxRetries: number;
  /** First backoff, milliseconds; doubles each retry, capped at maxDelayMs, then jittered. */
  baseDelayMs: number;
  maxDelayMs: number;
  temperature: number;
  maxTokens: number;
  /** Turns a reply into the record appended to the output; null: malformed, counted as failed. */
  toRecord: (job: TeacherJob, reply: string) => object | null;
  sink: ProgressSink;
}

export interface TeacherResult {
  written: number;
  skipped: number;
  failed: { id: string; reason: string }[];
}

/** Ids already in `file`; a torn last line (a kill mid-write) is cut off so appends start clean. */
export async function finishedIds(file: string): Promise<Set<string>> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) await truncate(file, Buffer.byteLength(text.slice(0, end)));
  const ids = new Set<string>();
  for (const line of text.slice(0, end).split('\n')) if (line.trim()) ids.add((JSON.parse(line) as { id: string }).id);
  return ids;
}

/** 429, 5xx, timeouts and connection errors are worth another try; a 400 or 401 is not. */
export function retryable(error: unknown): boolean {
  if (error instanceof OpenAI.APIConnectionError) return true; // includes APIConnectionTimeoutError
  if (error instanceof OpenAI.APIError) return error.status === 429 || (error.status !== undefined && error.status >= 500);
  return false;
}

/** Full jitter (AWS's "exponential backoff and jitter"): uniform in [0, min(cap, base·2^attempt)]. */
export function backoffMs(attempt: number, base: number, cap: number, random = Math.random): number {
  return random() * Math.min(cap, base * 2 ** attempt);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ask(job: TeacherJob, o: TeacherOptions): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      const reply = await o.client.chat.completions.create(
        { model: o.model, messages: job.messages, temperature: o.temperature, max_tokens: o.maxTokens },
        { timeout: o.timeoutMs, maxRetries: 0 },
      );
      return reply.choices[0]?.message.content ?? '';
    } catch (error) {
      if (attempt >= o.maxRetries || !retryable(error)) throw error;
      await sleep(backoffMs(attempt, o.baseDelayMs, o.maxDelayMs));
    }
  }
}

class Meter {
  private readonly started = performance.now();
  done = 0;
  failed = 0;
  constructor(private readonly total: number, private readonly sink: ProgressSink) {}

  /** One line per 5% of the jobs (and the last): 32 threads finish too often to print each. */
  report(): void {
    const finishedNow = this.done + this.failed;
    if (finishedNow !== this.total && finishedNow % Math.max(1, Math.ceil(this.total / 20)) !== 0) return;
    const elapsed = (performance.now() - this.started) / 1000;
    const finished = this.done + this.failed;
    const rate = finished / Math.max(elapsed, 1e-9);
    const eta = finished > 0 ? (this.total - finished) / rate : Infinity;
    const width = 20;
    const bar = '#'.repeat(Math.round((width * finished) / Math.max(this.total, 1))).padEnd(width, '.');
    this.sink(`[teacher] [${bar}] ${this.done} done, ${this.failed} failed of ${this.total} · ${rate.toFixed(2)} req/s · ETA ${duration(eta)}`);
  }
}

/** Runs every job whose id is not yet in `output`, appending one JSON line per accepted reply. */
export async function runTeacher(jobs: readonly TeacherJob[], output: string, o: TeacherOptions): Promise<TeacherResult> {
  const finished = await finishedIds(output);
  const todo = jobs.filter((j) => !finished.has(j.id));
  const meter = new Meter(todo.length, o.sink);
  const failed: TeacherResult['failed'] = [];
  const file = await open(output, 'a');
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const job = todo[next++]!;
      try {
        const record = o.toRecord(job, await ask(job, o));
        if (!record) throw new Error('malformed teacher reply (refused by toRecord)');
        // One write per line: appends of whole lines never interleave.
        await file.write(JSON.stringify({ id: job.id, ...record }) + '\n');
        meter.done++;
      } catch (error) {
        failed.push({ id: job.id, reason: (error as Error).message });
        meter.failed++;
      }
      meter.report();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(o.concurrency, todo.length) }, worker));
    await file.sync();
  } finally {
    await file.close();
  }
  return { written: meter.done, skipped: jobs.length - todo.length, failed };
}
