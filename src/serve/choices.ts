// The engine side of a completion request: one engine request per choice (n per prompt, choice i seeded
// seed + i), their events merged, and each choice's text, tokens and logprobs accumulated.
import type { Engine } from '../engine/engine.js';
import { mergeStreams } from '../engine/merge.js';
import type { EngineRequest } from '../engine/options.js';
import type { EngineEvent, FinishReason } from '../engine/sequence.js';
import type { Tokenizer } from '../io/tokenizer.js';
import type { SamplingBody } from './protocol.js';

export interface TokenLogprobText {
  token: string;
  logprob: number;
  top: { token: string; logprob: number }[];
}

export interface Job {
  prompts: number[][];
  n: number;
  adapter: string | undefined;
  body: SamplingBody;
  maxTokens: number | null | undefined;
  /** Alternatives per token; undefined: no logprobs. */
  logprobs: number | undefined;
  responseFormat: Record<string, unknown> | undefined;
  signal: AbortSignal;
}

/** What one choice has produced so far. */
export class ChoiceState {
  text = '';
  readonly tokens: number[] = [];
  readonly logprobs: TokenLogprobText[] = [];
  finish: FinishReason | null = null;
  private decoded = '';

  constructor(
    readonly index: number,
    readonly promptTokens: number,
    private readonly tokenizer: Tokenizer,
    private readonly stopIds: readonly number[],
  ) {}

  /** Adds an event; returns the logprob entries it brought (for a stream chunk). */
  add(e: EngineEvent): TokenLogprobText[] {
    this.text += e.text;
    if (e.finish) this.finish = e.finish;
    if (e.token === undefined) return [];
    this.tokens.push(e.token);
    if (e.logprob === undefined || this.stopIds.includes(e.token)) return [];
    const entry = { token: this.piece(), logprob: e.logprob, top: (e.top ?? []).map((t) => ({ token: this.tokenizer.decode([t.token]), logprob: t.logprob })) };
    this.logprobs.push(entry);
    return [entry];
  }

  /** The logprob entries trimmed to the final text (a stop string may have cut the last token). */
  trimmedLogprobs(): TokenLogprobText[] {
    const out: TokenLogprobText[] = [];
    let used = 0;
    for (const entry of this.logprobs) {
      if (used >= this.text.length && entry.token.length > 0) break;
      const token = entry.token.slice(0, this.text.length - used);
      out.push({ ...entry, token });
      used += token.length;
    }
    return out;
  }

  /** The latest token's text: the growth of the decoded output, so the pieces concatenate to the text. */
  private piece(): string {
    const text = this.tokenizer.decode(this.tokens, { skipSpecialTokens: true });
    const piece = text.startsWith(this.decoded) ? text.slice(this.decoded.length) : text;
    this.decoded = text;
    return piece;
  }
}

/** The ids that end a choice, as vLLM has them: EOS (unless ignore_eos) and the body's stop_token_ids. */
function stopTokenIds(body: SamplingBody, eos: readonly number[]): number[] {
  return [...(body.ignore_eos ? [] : eos), ...(body.stop_token_ids ?? [])];
}

function engineRequest(job: Job, ids: number[], choice: number, room: number, stopIds: number[]): EngineRequest {
  const b = job.body;
  const stop = b.stop == null ? [] : typeof b.stop === 'string' ? [b.stop] : b.stop;
  return {
    ids,
    adapter: job.adapter,
    maxNewTokens: job.maxTokens ?? Math.max(1, room - ids.length),
    stop,
    stopTokenIds: stopIds,
    logprobs: job.logprobs,
    responseFormat: job.responseFormat,
    signal: job.signal,
    sampling: {
      temperature: b.temperature ?? 1,
      topP: b.top_p ?? 1,
      topK: b.top_k != null && b.top_k > 0 ? b.top_k : 0,
      minP: b.min_p ?? 0,
      presencePenalty: b.presence_penalty ?? 0,
      frequencyPenalty: b.frequency_penalty ?? 0,
      repetitionPenalty: b.repetition_penalty ?? 1,
      seed: b.seed == null ? undefined : (b.seed + choice) >>> 0,
    },
  };
}

/** Submits every choice (prompt p's choice i has index p·n + i); a refused one cancels those already queued. */
export function submitChoices(engine: Engine, tokenizer: Tokenizer, job: Job): { states: ChoiceState[]; events: AsyncGenerator<{ index: number; event: EngineEvent }> } {
  const streams: AsyncIterableIterator<EngineEvent>[] = [];
  const states: ChoiceState[] = [];
  const stopIds = stopTokenIds(job.body, tokenizer.eosTokenIds);
  try {
    job.prompts.forEach((ids, p) => {
      for (let i = 0; i < job.n; i++) {
        streams.push(engine.submit(engineRequest(job, ids, i, engine.plan.slotTokens, stopIds)));
        states.push(new ChoiceState(p * job.n + i, ids.length, tokenizer, stopIds));
      }
    });
  } catch (error) {
    for (const s of streams) void s.return?.();
    throw error;
  }
  return { states, events: mergeStreams(streams) };
}

/** OpenAI's usage: each prompt counted once, every choice's tokens. */
export function usage(states: readonly ChoiceState[], n: number) {
  const prompt = states.filter((_, i) => i % n === 0).reduce((a, s) => a + s.promptTokens, 0);
  const completion = states.reduce((a, s) => a + s.tokens.length, 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
