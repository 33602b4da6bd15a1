// One request inside the engine: its slot, what it has generated, its text stream and its events.
import type { PenaltyParams, SeenTokens } from '../cpu/penalties.js';
import type { Tokenizer } from '../io/tokenizer.js';
import type { RowSampling } from '../tensor/ops/sample.js';
import { Channel } from './channel.js';
import type { TokenConstraint } from './constrain/index.js';
import type { ResolvedRequest } from './options.js';
import { TextStream } from './text-stream.js';

export type FinishReason = 'stop' | 'length' | 'abort';

export interface TokenLogprob {
  token: number;
  logprob: number;
}

export interface EngineEvent {
  /** The sampled token id; absent only on an abort. */
  token?: number;
  /** Text that is final now (held back while a character or a stop string may still be incomplete). */
  text: string;
  /** The token's log-probability under the raw model distribution, when the request asked for logprobs. */
  logprob?: number;
  /** The most likely alternatives, best first, when the request asked for logprobs > 0. */
  top?: TokenLogprob[];
  /** Set on the request's last event. */
  finish?: FinishReason;
}

export class Sequence {
  slot = -1;
  readonly generated: number[] = [];
  readonly events: Channel<EngineEvent>;
  finished: FinishReason | null = null;
  aborted = false;
  /** Time the first token was produced (ms, performance.now()), for time-to-first-token. */
  firstTokenAt: number | null = null;
  readonly arrivedAt = performance.now();
  private readonly stream: TextStream;

  constructor(
    readonly request: ResolvedRequest,
    readonly seed: number,
    private readonly stopIds: readonly number[],
    tokenizer: Tokenizer,
    readonly constraint: TokenConstraint | null,
    onCancel: () => void,
  ) {
    this.events = new Channel(onCancel);
    this.stream = new TextStream(tokenizer, request.stop);
  }

  /** The token the next decode step feeds. */
  get lastToken(): number {
    return this.generated[this.generated.length - 1]!;
  }

  /** Draw `generated.length` of this request: independent of the batch it shares. */
  rowSampling(): RowSampling {
    const s = this.request.sampling;
    return { temperature: s.temperature, topK: s.topK, topP: s.topP, minP: s.minP, seed: this.seed, counter: this.generated.length };
  }

  get penalties(): PenaltyParams {
    const s = this.request.sampling;
    return { repetition: s.repetitionPenalty, presence: s.presencePenalty, frequency: s.frequencyPenalty };
  }

  get seen(): SeenTokens {
    return { prompt: this.request.ids, output: this.generated };
  }

  /** Records a sampled token and emits its event; `room` is false when the slot cannot take another position. */
  accept(token: number, room: boolean, logprobs?: { logprob: number; top: TokenLogprob[] }): void {
    this.firstTokenAt ??= performance.now();
    this.generated.push(token);
    this.constraint?.advance(token);
    const lp = logprobs && { logprob: logprobs.logprob, ...(this.request.logprobs ? { top: logprobs.top } : {}) };
    if (!this.request.ignoreEos && this.stopIds.includes(token)) return this.end({ token, text: this.stream.flush(), ...lp }, 'stop');
    const text = this.stream.push(token);
    if (this.stream.stopped) return this.end({ token, text, ...lp }, 'stop');
    if (this.generated.length >= this.request.maxNewTokens || !room) return this.end({ token, text: text + this.stream.flush(), ...lp }, 'length');
    this.events.push({ token, text, ...lp });
  }

  /** Ends a request that only wanted its prompt's logits. */
  endWithoutToken(): void {
    if (!this.finished) this.end({ text: '' }, 'length');
  }

  abort(): void {
    if (!this.finished) this.end({ text: '' }, 'abort');
  }

  fail(error: unknown): void {
    this.finished = 'abort';
    this.events.fail(error);
  }

  private end(event: EngineEvent, reason: FinishReason): void {
    this.finished = reason;
    this.events.push({ ...event, finish: reason });
    this.events.close();
  }
}
