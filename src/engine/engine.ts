// The Engine: the one way wgml generates text. Requests queue, take a KV-cache slot when one is free,
// are prefilled, and join the next decode step with everything else in flight; each row samples with
// its own parameters, seed and adapter; a slot is freed the moment its sequence ends.

export { ContextLengthError, EngineClosedError, QueueFullError };
import type { Tokenizer } from '../io/tokenizer.js';
import type { PeftAdapter } from '../io/peft-format.js';
import { KvCache } from '../nn/kv-cache.js';
import type { QwenModel } from '../nn/qwen.js';
import { validateIds } from '../tensor/ops/embedding.js';
import { Tensor } from '../tensor/tensor.js';
import { AdapterInUseError, AdapterRegistry } from './adapters.js';
import { EngineOptionsSchema, planCache, type CachePlan, type EngineOptions } from './capacity.js';
import { stepLogits, tokenAdapterRows } from './forward.js';
import { ContextLengthError, EngineClosedError, QueueFullError } from './errors.js';
import { rowLogprobs } from './logprobs.js';
import { sampleStep } from './sample-step.js';
import { resolveRequest, type EngineRequest, type ResolvedRequest } from './options.js';
import { Sequence, type EngineEvent } from './sequence.js';
import { compileResponseFormat, ConstraintVocab, type ResponseFormat, type TokenConstraint } from './constrain/index.js';
import { packPrefills } from './prefill-groups.js';

/** What the engine needs of a model: the network and its tokenizer. */
export interface EngineHost {
  readonly net: QwenModel;
  readonly tokenizer: Tokenizer;
  /** A PEFT adapter directory, read as the host's platform reads files (the core names none). */
  readAdapter(dir: string): Promise<PeftAdapter>;
}

export interface EngineStats {
  requests: number;
  promptTokens: number;
  generatedTokens: number;
  prefillSteps: number;
  decodeSteps: number;
  /** Sum over decode steps of the rows in each: occupancy = decodeRows / (decodeSteps · slots). */
  decodeRows: number;
  /** Time to first token over finished requests that produced one. */
  ttftMs: { sum: number; count: number };
  finished: { stop: number; length: number; abort: number };
}

export class Engine {
  readonly plan: CachePlan;
  readonly adapters: AdapterRegistry;
  readonly stats: EngineStats = { requests: 0, promptTokens: 0, generatedTokens: 0, prefillSteps: 0, decodeSteps: 0, decodeRows: 0, ttftMs: { sum: 0, count: 0 }, finished: { stop: 0, length: 0, abort: 0 } };
  private readonly cache: KvCache;
  private readonly options;
  private readonly waiting: Sequence[] = [];
  private readonly running: Sequence[] = [];
  private readonly free: number[];
  private readonly logitsWanted = new Map<Sequence, (row: Float32Array) => void>();
  private loop: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly host: EngineHost,
    options: EngineOptions = {},
  ) {
    this.options = EngineOptionsSchema.parse(options);
    this.plan = planCache(host.net.config, host.net.device.maxBindingBytes, this.options);
    this.cache = new KvCache(host.net.device, host.net.config, this.plan.slots, this.plan.slotTokens);
    this.free = Array.from({ length: this.plan.slots }, (_, i) => this.plan.slots - 1 - i);
    this.adapters = new AdapterRegistry(host.net);
  }

  get queueDepth(): number {
    return this.waiting.length;
  }

  /** Sequences holding a slot and still generating. */
  get activeRows(): number {
    return this.running.filter((s) => !s.finished && !s.aborted).length;
  }

  /** Queues a request; its events arrive as it is decoded. Bad requests throw here, before anything runs. */
  submit(request: EngineRequest): AsyncIterableIterator<EngineEvent> {
    const seq = this.admitRequest(resolveRequest(request));
    return seq.events;
  }

  /** Next-token logits after each prompt, (B,V) row-major: a prefill and nothing more (classifiers read these). */
  async lastLogits(prompts: readonly (readonly number[])[]): Promise<Float32Array> {
    const rows = await Promise.all(
      prompts.map((ids) => new Promise<Float32Array>((resolve, reject) => {
        const seq = this.admitRequest(resolveRequest({ ids: [...ids], maxNewTokens: 1 }), resolve);
        seq.events.next().catch(reject);
      })),
    );
    const V = rows[0]?.length ?? 0;
    const out = new Float32Array(rows.length * V);
    rows.forEach((r, i) => out.set(r, i * V));
    return out;
  }

  async loadAdapter(name: string, dir: string): Promise<void> {
    await this.adapters.load(name, dir, (d) => this.host.readAdapter(d));
  }

  unloadAdapter(name: string): void {
    const users = [...this.waiting, ...this.running].filter((s) => s.request.adapter === name).length;
    if (users) throw new AdapterInUseError(`adapter "${name}" is used by ${users} running or waiting requests; unload it when they are done`);
    this.adapters.unload(name);
  }

  /** Stops taking requests and resolves when those in flight are done (abortAll first to cut them short). */
  async drain(): Promise<void> {
    this.closed = true;
    await this.loop;
  }

  abortAll(): void {
    for (const s of [...this.waiting, ...this.running]) s.aborted = true;
    this.reap();
  }

  dispose(): void {
    this.closed = true;
    this.abortAll();
    this.cache.dispose();
    this.adapters.dispose();
  }

  /** Queues a resolved request; with `onLogits` it is prefilled only and its logits row handed over. */
  private admitRequest(r: ResolvedRequest, onLogits?: (row: Float32Array) => void): Sequence {
    if (this.closed) throw new EngineClosedError('the engine is draining or closed and takes no new requests');
    validateIds(r.ids, this.host.net.config.vocabSize, 'prompt');
    this.adapters.index(r.adapter);
    if (r.ids.length + r.maxNewTokens > this.plan.slotTokens) throw new ContextLengthError(r.ids.length, r.maxNewTokens, this.plan.slotTokens);
    if (this.waiting.length >= this.options.maxQueue) throw new QueueFullError(`${this.waiting.length} requests are waiting (max_queue ${this.options.maxQueue}); retry later`);
    const constraint = this.compileConstraint(r);
    const seed = r.sampling.seed ?? Math.floor(Math.random() * 2 ** 32) >>> 0;
    const stopIds = r.stopTokenIds ?? this.host.tokenizer.eosTokenIds;
    const seq: Sequence = new Sequence(r, seed, stopIds, this.host.tokenizer, constraint, () => this.cancel(seq));
    if (r.signal?.aborted) {
      seq.abort();
      return seq;
    }
    r.signal?.addEventListener('abort', () => this.cancel(seq), { once: true });
    if (onLogits) this.logitsWanted.set(seq, onLogits);
    this.waiting.push(seq);
    this.stats.requests++;
    this.stats.promptTokens += r.ids.length;
    this.kick();
    return seq;
  }

  /** A responseFormat's automaton over this tokenizer's vocabulary (bad schemas throw here, naming the keyword). */
  private compileConstraint(r: ResolvedRequest): TokenConstraint | null {
    if (!r.responseFormat) return null;
    const factory = compileResponseFormat(r.responseFormat as ResponseFormat, ConstraintVocab.fromTokenizer(this.host.tokenizer));
    return factory?.() ?? null;
  }

  private cancel(seq: Sequence): void {
    seq.aborted = true;
    if (!this.loop) this.reap();
  }

  /** Starts the loop after the current task, so requests submitted together are prefilled together. */
  private kick(): void {
    this.loop ??= Promise.resolve().then(() => this.run()).finally(() => {
      this.loop = null;
      if (this.waiting.length || this.running.length) this.kick();
    });
  }

  private async run(): Promise<void> {
    while (this.waiting.length || this.running.length) {
      this.reap();
      const admitted = this.takeSlots();
      const logitsOnly = admitted.filter((s) => this.logitsWanted.has(s));
      for (const kind of [admitted.filter((s) => !this.logitsWanted.has(s)), logitsOnly]) {
        for (const group of packPrefills(kind, this.options.maxPrefillTokens)) await this.guarded(group, () => this.prefill(group));
      }
      // Sequences just prefilled hold their first token and join this decode step.
      const rows = this.running.filter((s) => !s.finished && !s.aborted);
      if (rows.length) await this.guarded(rows, () => this.decode(rows));
      this.reap();
    }
  }

  /** Runs a step; if it throws, its sequences fail with the error and the engine goes on. */
  private async guarded(group: Sequence[], step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      for (const s of group) s.fail(error);
    } finally {
      this.adapters.current.rows?.dispose();
      this.adapters.current.rows = null;
    }
  }

  /** FIFO into free slots, up to the prefill budget (the first always goes, however long). */
  private takeSlots(): Sequence[] {
    const taken: Sequence[] = [];
    let tokens = 0;
    while (this.free.length && this.waiting.length) {
      const next = this.waiting[0]!;
      if (taken.length && tokens + next.request.ids.length > this.options.maxPrefillTokens) break;
      this.waiting.shift();
      next.slot = this.free.pop()!;
      this.cache.reset(next.slot);
      this.running.push(next);
      taken.push(next);
      tokens += next.request.ids.length;
    }
    return taken;
  }

  /** Frees the slots of finished or aborted sequences and drops aborted waiters. */
  private reap(): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const s = this.waiting[i]!;
      if (s.aborted || s.finished) {
        this.waiting.splice(i, 1);
        this.finish(s);
      }
    }
    for (let i = this.running.length - 1; i >= 0; i--) {
      const s = this.running[i]!;
      if (s.aborted || s.finished) {
        this.running.splice(i, 1);
        this.free.push(s.slot);
        this.finish(s);
      }
    }
  }

  private finish(s: Sequence): void {
    if (!s.finished) s.abort();
    this.logitsWanted.delete(s);
    this.stats.finished[s.finished!]++;
    if (s.firstTokenAt !== null) {
      this.stats.ttftMs.sum += s.firstTokenAt - s.arrivedAt;
      this.stats.ttftMs.count++;
    }
  }

  private setAdapterRows(group: readonly Sequence[], T: number): void {
    const indices = group.map((s) => this.adapters.index(s.request.adapter));
    if (indices.every((i) => i < 0)) return;
    this.adapters.current.rows = Tensor.from(this.host.net.device, tokenAdapterRows(indices, T), [group.length * T], 'i32');
  }

  private async prefill(group: Sequence[]): Promise<void> {
    this.setAdapterRows(group, Math.max(...group.map((s) => s.request.ids.length)));
    const logits = stepLogits(this.host.net, this.cache, group.map((s) => s.request.ids), group.map((s) => s.slot));
    this.stats.prefillSteps++;
    if (group.every((s) => this.logitsWanted.has(s))) return this.deliverLogits(group, logits);
    await this.sampleAndEmit(group, logits);
  }

  private async deliverLogits(group: Sequence[], logits: Tensor): Promise<void> {
    const values = await logits.readFloat();
    logits.dispose();
    const V = values.length / group.length;
    group.forEach((s, b) => {
      this.logitsWanted.get(s)!(values.slice(b * V, (b + 1) * V));
      s.endWithoutToken();
    });
  }

  private async decode(group: Sequence[]): Promise<void> {
    this.setAdapterRows(group, 1);
    const logits = stepLogits(this.host.net, this.cache, group.map((s) => [s.lastToken]), group.map((s) => s.slot));
    this.stats.decodeSteps++;
    this.stats.decodeRows += group.length;
    await this.sampleAndEmit(group, logits);
  }

  /** Samples the step's tokens and emits each row's, with its logprobs when asked. */
  private async sampleAndEmit(group: Sequence[], logits: Tensor): Promise<void> {
    const { tokens, raw } = await sampleStep(group, logits);
    const V = logits.cols;
    logits.dispose();
    group.forEach((s, b) => {
      const lp = raw ? rowLogprobs(raw.subarray(b * V, (b + 1) * V), tokens[b]!, s.request.logprobs ?? 0) : undefined;
      s.accept(tokens[b]!, this.cache.lengths[s.slot]! + 1 <= this.plan.slotTokens, lp);
      this.stats.generatedTokens++;
    });
  }
}
