// Token-choice accuracy: the model writes its thinking for each held-out instruction greedily (up
// to `</think>` or max_new_tokens, then closed), and the greedy token after `</think>\n` must be the
// one the instruction calls for (AGENT without an error message, EDIT with one). That token is read
// from the logits, not the generated text, because decoding drops special tokens. The confusion
// table counts expected × chosen, "none" when the argmax is neither token.
import type { Model } from '../../src/model/model.js';
import { generateAll } from '../kit/generate.js';
import type { ProgressSink } from '../kit/progress.js';
import { formatTable } from '../kit/report.js';
import { expectedToken, type Instruction, userText } from './instructions.js';

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
  /** The thinking the model wrote before `</think>` (closed for it at max_new_tokens). */
  thinking: string;
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

export function evalPrompt(model: Model, i: Instruction): string {
  return model.chatPrompt([{ role: 'user', content: userText(i) }]);
}

/** The argmax token after `text`, when it is one of `tokens`. */
async function nextToken(model: Model, text: string, tokens: readonly string[]): Promise<string | null> {
  const ids = model.tokenizer.encode(text);
  const logits = await model.logits(ids);
  const vocab = logits.length / ids.length;
  const last = logits.subarray((ids.length - 1) * vocab);
  let best = 0;
  for (let v = 1; v < vocab; v++) if (last[v]! > last[best]!) best = v;
  return tokens.find((t) => model.tokenizer.tokenToId(t) === best) ?? null;
}

export async function evaluateTokenChoice(model: Model, label: string, items: readonly Instruction[], tokens: readonly string[], o: { batchSize: number; maxNewTokens: number }, sink: ProgressSink): Promise<{ metrics: TokenChoice; preds: Prediction[] }> {
  const prompts = items.map((i) => `${evalPrompt(model, i)}<think>\n`);
  const thoughts = await generateAll(model, label, prompts, { ...o, generate: { temperature: 0, stop: ['</think>'] } }, sink);
  const preds: Prediction[] = [];
  for (const [k, i] of items.entries()) {
    const thinking = thoughts[k]!;
    const chosen = await nextToken(model, `${prompts[k]}${thinking}</think>\n`, tokens);
    preds.push({ id: i.id, expected: expectedToken(i.mode, tokens), chosen, thinking });
  }
  return { metrics: tokenChoice(preds, tokens), preds };
}
