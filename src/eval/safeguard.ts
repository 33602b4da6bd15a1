// Safeguard classifiers run on wgml, Qwen3Guard-Gen style: the Safety Guidelines (verbatim), the user
// prompt and the assistant response go in one user turn, so any chat template renders it; the answer
// opens with `Safety:` and the score is P(Unsafe) of the next token, renormalised over {Safe, Unsafe}.
// The same format serves a HuggingFace Qwen-family guard directory and the shipped models/safeguard-tiny.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { Device } from '../gpu/device.js';

import type { ChatMessage } from '../io/chat-template.js';
import type { Tokenizer } from '../io/tokenizer.js';
import { loadModel, type Model } from '../model/model.js';

export type SafetyLabel = 'safe' | 'unsafe';

/** What the guard writes before its verdict; classification reads the token after it. */
export const ANSWER_PREFIX = 'Safety:';

export interface ModerationItem {
  prompt: string;
  response: string;
}

export interface SafetyVerdict {
  label: SafetyLabel;
  /** P(unsafe) ∈ [0,1], renormalised over the first tokens of the two verdict words. */
  score: number;
  /** The verdict as the guard would write it: `Safety: Safe` or `Safety: Unsafe`. */
  output: string;
}

export const ClassifyConfigSchema = z.object({
  /** Conversations per forward (left-padded to the longest). */
  batchSize: z.number().int().positive().default(8),
});

export interface ClassifyOptions extends Partial<z.input<typeof ClassifyConfigSchema>> {
  onProgress?: (done: number, total: number) => void;
}

const ItemsSchema = z.array(z.object({ prompt: z.string(), response: z.string() }));

/** The answer a guard gives for `label`: its training target, and what classify reports. */
export function moderationAnswer(label: SafetyLabel): string {
  return `${ANSWER_PREFIX} ${label === 'safe' ? 'Safe' : 'Unsafe'}`;
}

/** One user turn: the guidelines exactly as given, then the conversation to judge under role headings. */
export function moderationMessages(guidelines: string, prompt: string, response: string): ChatMessage[] {
  const content = `${guidelines}\n\nUser:\n${prompt}\n\nAssistant:\n${response}`;
  return [{ role: 'user', content }];
}

/** A Safety Guidelines file, read verbatim; an empty one is refused by name. */
export async function readGuidelines(file: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  if (!text.trim()) throw new ConfigError(`${file}: the Safety Guidelines file is empty; write the guidelines the safeguard should apply`);
  return text;
}

interface LabelTokens {
  prefix: number[];
  safe: number;
  unsafe: number;
}

/** The first token of each verdict word as it follows `Safety:` in the encoded answer (how training tokenizes it). */
function labelTokens(tokenizer: Tokenizer, dir: string): LabelTokens {
  const prefix = tokenizer.encode(ANSWER_PREFIX, { addSpecialTokens: false });
  const after = (label: SafetyLabel): number | undefined => {
    const ids = tokenizer.encode(moderationAnswer(label), { addSpecialTokens: false });
    return prefix.every((id, i) => ids[i] === id) ? ids[prefix.length] : undefined;
  };
  const safe = after('safe');
  const unsafe = after('unsafe');
  if (prefix.length === 0 || safe === undefined || unsafe === undefined || safe === unsafe) {
    throw new ConfigError(`${join(dir, 'tokenizer.json')}: the tokenizer cannot tell the verdict words apart after "${ANSWER_PREFIX}" (" Safe" → ${safe}, " Unsafe" → ${unsafe}); a safeguard needs distinct first tokens for them`);
  }
  return { prefix, safe, unsafe };
}

export class Safeguard {
  private readonly labels: LabelTokens;

  constructor(readonly model: Model) {
    this.labels = labelTokens(model.tokenizer, model.dir);
  }

  /** Each conversation's verdict under `guidelines` (used verbatim), `batchSize` at a time. */
  async classify(items: readonly ModerationItem[], guidelines: string, options: ClassifyOptions = {}): Promise<SafetyVerdict[]> {
    if (!guidelines.trim()) throw new ConfigError('safeguard: `guidelines` is empty; pass the Safety Guidelines text (see readGuidelines)');
    const parsed = ItemsSchema.safeParse(items);
    if (!parsed.success) throw new ConfigError(`safeguard: items ${parsed.error.issues.map((i) => `[${i.path.join('.')}]: ${i.message}`).join('; ')}`);
    const { batchSize } = ClassifyConfigSchema.parse({ batchSize: options.batchSize });
    const prompts = items.map((item, i) => this.encode(item, guidelines, i));
    const out: SafetyVerdict[] = [];
    for (let i = 0; i < prompts.length; i += batchSize) {
      const batch = prompts.slice(i, i + batchSize);
      const logits = await this.model.lastLogits(batch);
      const V = logits.length / batch.length;
      batch.forEach((_, b) => out.push(this.verdict(logits[b * V + this.labels.safe]!, logits[b * V + this.labels.unsafe]!)));
      options.onProgress?.(out.length, items.length);
    }
    return out;
  }

  /** The rendered chat with a generation prompt, then the answer prefix, encoded apart as training does. */
  private encode(item: ModerationItem, guidelines: string, index: number): number[] {
    const chat = this.model.chatPrompt(moderationMessages(guidelines, item.prompt, item.response));
    const ids = [...this.model.tokenizer.encode(chat, { addSpecialTokens: false }), ...this.labels.prefix];
    const max = this.model.config.maxPositionEmbeddings;
    if (ids.length > max) throw new ConfigError(`safeguard: item ${index} is ${ids.length} tokens with the guidelines; the model's context (max_position_embeddings) is ${max}`);
    return ids;
  }

  private verdict(safeLogit: number, unsafeLogit: number): SafetyVerdict {
    const score = 1 / (1 + Math.exp(safeLogit - unsafeLogit));
    const label: SafetyLabel = score >= 0.5 ? 'unsafe' : 'safe';
    return { label, score, output: moderationAnswer(label) };
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** A guard model directory (HF Qwen-family or models/safeguard-tiny) ready to classify. */
export async function loadSafeguard(dir: string, options: { device?: Device } = {}): Promise<Safeguard> {
  const model = await loadModel(dir, options);
  try {
    return new Safeguard(model);
  } catch (error) {
    model.dispose();
    throw error;
  }
}
