// Token-choice accuracy: the model answers each held-out instruction greedily from the generation
// prompt of format.ts. Thinking on: after `<think>\n`, and the first token it generates after its
// `</think>` (whitespace between is allowed) must be the one the instruction calls for (AGENT
// without an error message, EDIT with one). Thinking off: the prompt already ends with the empty
// think block, so the first generated id is the choice. The choice is read from the generated ids,
// not from decoded text: text decoding drops special tokens, so a decoded answer never shows
// `<|AGENT|>` or `<|EDIT|>`. Generation stops at either new token (or EOS). The confusion table
// counts expected × chosen, "none" when the model wrote something else (or, thinking on, closed no
// thinking block within eval.max_new_tokens).
import type { Model } from '../../src/model/model.js';
import type { Tokenizer } from '../../src/io/tokenizer.js';
import { Progress, type ProgressSink } from '../kit/progress.js';
import { formatTable } from '../kit/report.js';
import { generationPrompt } from './format.js';
import { expectedToken, type Instruction } from './instructions.js';

export interface TokenChoice {
  n: number;
  accuracy: number;
  /** confusion[expected][chosen or 'none'] */
  confusion: Record<string, Record<string, number>>;
}

export interface Prediction {
  id: string;
  expected: string;
  chosen: string | null;
  /** What the model generated after the generation prompt, special tokens kept. */
  generated: string;
}

const THINK_END = '</think>';

/**
 * The token of `tokens` the model chose in `generated` (ids after the prompt), or null. Thinking
 * off: the first id. Thinking on: the first non-whitespace id after its `</think>`; null without one.
 */
export function chosenToken(tokenizer: Tokenizer, generated: readonly number[], tokens: readonly string[], thinking: boolean): string | null {
  const byId = (id: number | undefined) => tokens.find((t) => tokenizer.tokenToId(t) === id) ?? null;
  if (!thinking) return byId(generated[0]);
  // Where `</think>` ends: the first prefix whose text contains it (it spans several ids).
  let end = 1;
  while (end <= generated.length && !tokenizer.decode(generated.slice(0, end)).includes(THINK_END)) end++;
  const next = generated.slice(end).find((id) => tokenizer.decode([id]).trim() !== '');
  return next === undefined ? null : byId(next);
}

export function tokenChoice(preds: readonly Prediction[], tokens: readonly string[]): TokenChoice {
  const columns = [...tokens, 'none'];
  const confusion = Object.fromEntries(tokens.map((t) => [t, Object.fromEntries(columns.map((c) => [c, 0]))])) as TokenChoice['confusion'];
  for (const p of preds) confusion[p.expected]![p.chosen ?? 'none']!++;
  const right = preds.filter((p) => p.chosen === p.expected).length;
  return { n: preds.length, accuracy: preds.length ? right / preds.length : 0, confusion };
}

export function confusionTable(m: TokenChoice, tokens: readonly string[]): string {
  const columns = [...tokens, 'none'];
  return formatTable(['expected \\ chosen', ...columns], tokens.map((t) => [t, ...columns.map((c) => String(m.confusion[t]![c]))]));
}

export async function evaluateTokenChoice(model: Model, label: string, items: readonly Instruction[], tokens: readonly string[], o: { batchSize: number; maxNewTokens: number; thinking: boolean }, sink: ProgressSink): Promise<{ metrics: TokenChoice; preds: Prediction[] }> {
  const tok = model.tokenizer;
  const prompts = items.map((i) => tok.encode(generationPrompt(tok, i, o.thinking)));
  const stopTokenIds = [...tokens.map((t) => tok.tokenToId(t)!), ...tok.eosTokenIds];
  const progress = new Progress(label, items.length, sink);
  const generated: number[][] = [];
  for (let start = 0; start < prompts.length; start += o.batchSize) {
    const ids = await model.generateIds(prompts.slice(start, start + o.batchSize), { temperature: 0, maxNewTokens: o.maxNewTokens, stopTokenIds });
    generated.push(...ids);
    progress.advance(generated.length, ids.reduce((n, g) => n + g.length, 0));
  }
  const preds = items.map((i, k): Prediction => ({ id: i.id, expected: expectedToken(i.mode, tokens), chosen: chosenToken(tok, generated[k]!, tokens, o.thinking), generated: tok.decode(generated[k]!) }));
  return { metrics: tokenChoice(preds, tokens), preds };
}
