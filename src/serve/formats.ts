// The choice shapes of /v1/chat/completions and /v1/completions, whole and as stream chunks.
import type { ChoiceState, TokenLogprobText } from './choices.js';
import { finishReason, type ChoiceFormat } from './respond.js';

const bytes = (t: string) => [...Buffer.from(t, 'utf8')];

function chatLogprobs(entries: readonly TokenLogprobText[]) {
  return { content: entries.map((e) => ({ token: e.token, logprob: e.logprob, bytes: bytes(e.token), top_logprobs: e.top.map((t) => ({ token: t.token, logprob: t.logprob, bytes: bytes(t.token) })) })) };
}

/** The legacy completions shape: parallel arrays and a {token: logprob} map per position. */
function textLogprobs(entries: readonly TokenLogprobText[], start = 0) {
  let offset = start;
  const text_offset = entries.map((e) => {
    const at = offset;
    offset += e.token.length;
    return at;
  });
  return { tokens: entries.map((e) => e.token), token_logprobs: entries.map((e) => e.logprob), top_logprobs: entries.map((e) => Object.fromEntries(e.top.map((t) => [t.token, t.logprob]))), text_offset };
}

export function chatFormat(withLogprobs: boolean): ChoiceFormat {
  return {
    object: 'chat.completion',
    chunkObject: 'chat.completion.chunk',
    idPrefix: 'chatcmpl',
    promptParam: 'messages',
    choice: (s: ChoiceState) => ({ index: s.index, message: { role: 'assistant', content: s.text }, logprobs: withLogprobs ? chatLogprobs(s.trimmedLogprobs()) : null, finish_reason: finishReason(s) }),
    opening: (index) => ({ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }),
    chunk: (s, text, entries, finish) => ({ index: s.index, delta: text ? { content: text } : {}, logprobs: withLogprobs && entries.length ? chatLogprobs(entries) : null, finish_reason: finish }),
  };
}

export function completionFormat(withLogprobs: boolean): ChoiceFormat {
  return {
    object: 'text_completion',
    chunkObject: 'text_completion',
    idPrefix: 'cmpl',
    promptParam: 'prompt',
    choice: (s: ChoiceState) => ({ index: s.index, text: s.text, logprobs: withLogprobs ? textLogprobs(s.trimmedLogprobs()) : null, finish_reason: finishReason(s) }),
    opening: () => null,
    chunk: (s, text, entries, finish) => ({ index: s.index, text, logprobs: withLogprobs && entries.length ? textLogprobs(entries, s.text.length - text.length) : null, finish_reason: finish }),
  };
}
