// A safety judge behind an OpenAI-compatible /v1/chat/completions endpoint: the same moderation
// message the local guard sees, answered greedily, the verdict read from `Safety: Safe|Unsafe`.
import OpenAI from 'openai';
import { WgmlError } from '../errors.js';
import { moderationAnswer, moderationMessages, type ModerationItem, type SafetyVerdict } from './safeguard.js';

/** The verdict in a judge's reply: the word after `Safety:` (or the first safe/unsafe anywhere); null when it names neither. */
export function parseVerdict(reply: string): SafetyVerdict | null {
  const match = /safety\s*:\s*\**\s*(unsafe|safe)/i.exec(reply) ?? /\b(unsafe|safe)\b/i.exec(reply);
  if (!match) return null;
  const label = match[1]!.toLowerCase() === 'unsafe' ? 'unsafe' : 'safe';
  return { label, score: label === 'unsafe' ? 1 : 0, output: moderationAnswer(label) };
}

export class OpenAiJudge {
  readonly name: string;
  private readonly client: OpenAI;

  constructor(
    baseURL: string,
    private readonly model: string,
    apiKey: string,
    private readonly concurrency: number,
  ) {
    this.client = new OpenAI({ baseURL, apiKey, maxRetries: 3 });
    this.name = `openai ${model} at ${baseURL}`;
  }

  /** Up to `concurrency` requests in flight; results keep the items' order. */
  async judge(items: readonly ModerationItem[], guidelines: string, onProgress?: (done: number, total: number) => void): Promise<SafetyVerdict[]> {
    const out = new Array<SafetyVerdict>(items.length);
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await this.judgeOne(items[i]!, guidelines, i);
        onProgress?.(++done, items.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, items.length) }, worker));
    return out;
  }

  private async judgeOne(item: ModerationItem, guidelines: string, index: number): Promise<SafetyVerdict> {
    const completion = await this.client.chat.completions.create({ model: this.model, messages: moderationMessages(guidelines, item.prompt, item.response).map((m) => ({ role: 'user' as const, content: m.content })), temperature: 0, max_tokens: 32 });
    const reply = completion.choices[0]?.message.content ?? '';
    const verdict = parseVerdict(reply);
    if (!verdict) throw new WgmlError(`judge ${this.name}: reply to item ${index} names neither Safe nor Unsafe: ${JSON.stringify(reply.slice(0, 200))}`);
    return { ...verdict, output: reply.trim() };
  }

  dispose(): void {}
}
