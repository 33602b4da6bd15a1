// Answering a completion request: one JSON body, or OpenAI's server-sent events (a chunk per event, a
// last chunk with usage and empty choices when asked, then `data: [DONE]`).
import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ChoiceState, TokenLogprobText } from './choices.js';
import type { EngineEvent } from '../engine/sequence.js';
import { usage } from './choices.js';
import { toHttpError } from './http-error.js';

/** How an endpoint shapes its choices. */
export interface ChoiceFormat {
  object: string;
  chunkObject: string;
  idPrefix: string;
  /** The param a context-length error names. */
  promptParam: string;
  choice(state: ChoiceState): Record<string, unknown>;
  /** A choice's first stream chunk, before any token (chat: the role), or null. */
  opening(index: number): Record<string, unknown> | null;
  chunk(state: ChoiceState, text: string, logprobs: TokenLogprobText[], finish: string | null): Record<string, unknown>;
}

export interface Answer {
  res: ServerResponse;
  states: ChoiceState[];
  events: AsyncGenerator<{ index: number; event: EngineEvent }>;
  n: number;
  model: string;
  stream: boolean;
  includeUsage: boolean;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export const finishReason = (s: ChoiceState): string | null => (s.finish === 'abort' ? null : s.finish);

export async function answer(a: Answer, format: ChoiceFormat): Promise<void> {
  const head = { id: `${format.idPrefix}-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model: a.model };
  if (!a.stream) {
    for await (const { index, event } of a.events) a.states[index]!.add(event);
    if (a.res.destroyed) return;
    return sendJson(a.res, 200, { ...head, object: format.object, choices: a.states.map((s) => format.choice(s)), usage: usage(a.states, a.n) });
  }
  a.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) => a.res.write(`data: ${JSON.stringify({ ...head, object: format.chunkObject, choices, ...extra })}\n\n`);
  for (const s of a.states) {
    const open = format.opening(s.index);
    if (open) send([open]);
  }
  try {
    for await (const { index, event } of a.events) {
      const s = a.states[index]!;
      const entries = s.add(event);
      // A chunk per token, even while its text is held back (a split character, a possible stop string), so
      // clients see progress and time to first token is the first token's.
      if (event.token !== undefined || event.finish) send([format.chunk(s, event.text, entries, event.finish ? finishReason(s) : null)]);
    }
    if (a.includeUsage) send([], { usage: usage(a.states, a.n) });
  } catch (error) {
    a.res.write(`data: ${JSON.stringify(toHttpError(error, format.promptParam).body)}\n\n`);
  }
  a.res.end('data: [DONE]\n\n');
}
