// Assistant-only labels (TRL's assistant_only_loss): the conversation is rendered through the chat
// template one turn at a time, and only the tokens an assistant turn adds after its generation
// prompt (its content and end-of-turn token) are labelled; system and user tokens get −100.
import type { ChatMessage, ChatTemplateOptions } from '../io/chat-template.js';
import type { Tokenizer } from '../io/tokenizer.js';
import { ConfigError } from '../errors.js';
import { IGNORE_INDEX } from '../tensor/ops/cross-entropy.js';

export interface LabelledExample {
  input_ids: number[];
  labels: number[];
}

interface Segment {
  text: string;
  trained: boolean;
}

/**
 * Splits the rendered conversation into untrained (prompt) and trained (assistant) text: each
 * assistant turn's content as the template renders it, through its end-of-turn token. Found in the
 * whole rendering because templates such as Qwen3's rewrite earlier turns (dropping think blocks).
 */
function segments(tokenizer: Tokenizer, messages: readonly ChatMessage[], options: ChatTemplateOptions): Segment[] {
  const all = tokenizer.applyChatTemplate(messages, { ...options, addGenerationPrompt: false });
  const endOfTurn = tokenizer.idToToken(tokenizer.eosTokenIds[0] ?? -1) ?? '';
  const out: Segment[] = [];
  let cursor = 0;
  messages.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    const content = m.content.trim();
    // Searching from the turn's own generation prompt keeps an answer quoted earlier (say, in the instructions) from matching.
    const opening = tokenizer.applyChatTemplate(messages.slice(0, i), { ...options, addGenerationPrompt: true });
    const from = all.startsWith(opening) ? Math.max(cursor, opening.length) : cursor;
    const start = all.indexOf(content, from);
    if (start < 0) throw new ConfigError(`assistant-only labels: assistant turn ${i} does not appear in the rendered chat template`);
    let end = start + content.length;
    if (endOfTurn && all.startsWith(endOfTurn, end)) end += endOfTurn.length;
    out.push({ text: all.slice(cursor, start), trained: false }, { text: all.slice(start, end), trained: true });
    cursor = end;
  });
  out.push({ text: all.slice(cursor), trained: false });
  return out.filter((s) => s.text.length > 0);
}

/** input_ids and labels of a conversation; labels equal input_ids on assistant tokens, −100 elsewhere (unshifted, as HF). */
export function assistantOnlyLabels(tokenizer: Tokenizer, messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): LabelledExample {
  const input_ids: number[] = [];
  const labels: number[] = [];
  for (const s of segments(tokenizer, messages, options)) {
    const ids = tokenizer.encode(s.text, { addSpecialTokens: false });
    input_ids.push(...ids);
    labels.push(...(s.trained ? ids : ids.map(() => IGNORE_INDEX)));
  }
  if (!labels.some((l) => l !== IGNORE_INDEX)) throw new ConfigError('assistant-only labels: the conversation has no assistant turn to learn from');
  return { input_ids, labels };
}
