// GSM8K evaluation: greedy, batched generation on few-shot chat prompts; the last `#### <number>`
// is the answer (the text's last number is reported as a fallback but never counts as correct).
import type { ChatMessage } from '../../src/io/chat-template.js';
import type { Model } from '../../src/model/model.js';
import { isCorrect, parseAnswer } from '../data/gsm8k-answer.js';
import type { GsmRecord } from '../data/gsm8k-records.js';
import { generateAll } from '../kit/generate.js';
import type { ProgressSink } from '../kit/progress.js';

export interface GsmPrediction {
  model: string;
  index: number;
  question: string;
  prompt: string;
  /** Few-shot examples actually prepended (fewer than k when k would not fit the context). */
  shots: number;
  output: string;
  parsed: number | null;
  parsed_from: 'marker' | 'last-number' | 'none';
  gold: number | null;
  correct: boolean;
}

export interface GsmEvalOptions {
  k: number;
  batchSize: number;
  maxNewTokens: number;
}

/** The shots as earlier user/assistant turns, then the question. */
export function fewShotMessages(shots: readonly GsmRecord[], question: string): ChatMessage[] {
  return [...shots.flatMap((s): ChatMessage[] => [{ role: 'user', content: s.question }, { role: 'assistant', content: s.answer }]), { role: 'user', content: question }];
}

/** The chat prompt with the first k shots of the pool, dropping the last shots while prompt + answer would overflow the context. */
export function gsmPrompt(model: Model, pool: readonly GsmRecord[], k: number, question: string, maxNewTokens: number): { prompt: string; shots: number } {
  const room = model.config.maxPositionEmbeddings - maxNewTokens;
  for (let shots = Math.min(k, pool.length); ; shots--) {
    const prompt = model.chatPrompt(fewShotMessages(pool.slice(0, shots), question), { enableThinking: false });
    if (shots === 0 || model.tokenizer.encode(prompt).length <= room) return { prompt, shots };
  }
}

export async function evaluateGsm8k(model: Model, tag: string, test: readonly GsmRecord[], pool: readonly GsmRecord[], o: GsmEvalOptions, sink: ProgressSink): Promise<{ accuracy: number; preds: GsmPrediction[] }> {
  const prompts = test.map((r) => gsmPrompt(model, pool, o.k, r.question, o.maxNewTokens));
  const outputs = await generateAll(model, `[${tag}] gsm8k`, prompts.map((p) => p.prompt), o, sink);
  const preds = test.map((r, i): GsmPrediction => {
    const got = parseAnswer(outputs[i]!);
    const gold = parseAnswer(r.answer).value;
    return { model: tag, index: i, question: r.question, prompt: prompts[i]!.prompt, shots: prompts[i]!.shots, output: outputs[i]!, parsed: got.value, parsed_from: got.source, gold, correct: isCorrect(outputs[i]!, r.answer) };
  });
  return { accuracy: preds.filter((p) => p.correct).length / Math.max(1, preds.length), preds };
}
