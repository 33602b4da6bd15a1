// The pre-training corpus of the shipped tiny models: every shipped data set rendered as chats
// (never a test split), plus seeded arithmetic drills, packed into sequences of one length so a
// batch wastes nothing on padding. Each sequence starts at a chat's first token, as a prompt does.
import { join } from 'node:path';
import { Rng } from '../../src/cpu/random.js';
import type { ChatMessage } from '../../src/io/chat-template.js';
import type { Tokenizer } from '../../src/io/tokenizer.js';
import type { LabelledExample } from '../../src/train/labels.js';
import { drillLines } from '../data/arithmetic-drill.js';
import { readJsonl, shuffled } from '../data/common.js';

export interface CorpusOptions {
  /** Tokens per packed sequence. */
  seqLen: number;
  /** GSM8K-style train chats to use (a seeded sample), so the base model is not saturated on them. */
  gsmChats: number;
  /** Share of each other source's chats to use (a seeded sample). */
  otherShare: number;
  /** Extra sequences of drill lines only, besides the drills that fill each chat sequence's tail. */
  drillSequences: number;
  seed: number;
}

export interface Corpus {
  sequences: LabelledExample[];
  /** Chats per source, and drill lines. */
  counts: Record<string, number>;
  tokens: number;
}

/** Chats from every shipped training set, by source. */
export async function shippedChats(root: string): Promise<Record<string, ChatMessage[][]>> {
  const chat = (user: string, assistant: string): ChatMessage[] => [{ role: 'user', content: user }, { role: 'assistant', content: assistant }];
  const gsm = await readJsonl<{ question: string; answer: string }>(join(root, 'data/gsm8k/train.jsonl'));
  const json = await readJsonl<{ prompt: string; completion: string }>(join(root, 'data/json-format/train.jsonl'));
  const bugs = await readJsonl<{ buggy: string; fixed: string }>(join(root, 'data/special-tokens/bugs.jsonl'));
  const safety = await readJsonl<{ prompt: string; safe_response: string; split: string }>(join(root, 'data/safety/prompts.jsonl'));
  return {
    'data/gsm8k/train.jsonl': gsm.map((r) => chat(r.question, r.answer)),
    'data/json-format/train.jsonl': json.map((r) => chat(r.prompt, r.completion)),
    'data/special-tokens/bugs.jsonl': bugs.map((r) => chat(`Fix the bug in this Python function.\n\n${r.buggy}`, r.fixed)),
    'data/safety/prompts.jsonl (train split, safe responses)': safety.filter((r) => r.split === 'train').map((r) => chat(r.prompt, r.safe_response)),
  };
}

/** Packs the chats (whole, shuffled, seeded) into `seqLen` sequences, filling each tail with drill lines. */
export async function pretrainCorpus(root: string, tokenizer: Tokenizer, options: CorpusOptions): Promise<Corpus> {
  const rng = new Rng(options.seed);
  const sources = await shippedChats(root);
  const encode = (text: string): number[] => tokenizer.encode(text, { addSpecialTokens: false });
  const chats: number[][] = [];
  const counts: Record<string, number> = {};
  for (const [name, list] of Object.entries(sources)) {
    const take = name.startsWith('data/gsm8k') ? options.gsmChats : Math.round(options.otherShare * list.length);
    const sample = shuffled(rng, list).slice(0, take);
    counts[name] = sample.length;
    chats.push(...sample.map((m) => encode(tokenizer.applyChatTemplate(m)).slice(0, options.seqLen)));
  }
  let drillSeed = options.seed * 7919 + 1;
  let lines: number[][] = [];
  let drillCount = 0;
  /** Whole drill lines while they fit, then the head of one more: no tail starts mid-line. */
  const drillTokens = (n: number): number[] => {
    const out: number[] = [];
    while (out.length < n) {
      if (lines.length === 0) lines = drillLines(drillSeed++, 256).map((l) => encode(`${l}\n`)).reverse();
      out.push(...lines.pop()!);
      drillCount++;
    }
    return out.slice(0, n);
  };
  const sequences: number[][] = [];
  let current: number[] = [];
  for (const ids of shuffled(rng, chats)) {
    if (current.length + ids.length > options.seqLen) {
      sequences.push(current.concat(drillTokens(options.seqLen - current.length)));
      current = [];
    }
    current = current.concat(ids);
  }
  if (current.length > 0) sequences.push(current.concat(drillTokens(options.seqLen - current.length)));
  for (let i = 0; i < options.drillSequences; i++) sequences.push(drillTokens(options.seqLen));
  counts['arithmetic drill lines'] = drillCount;
  const packed = shuffled(rng, sequences).map((ids) => ({ input_ids: ids, labels: ids }));
  return { sequences: packed, counts, tokens: packed.length * options.seqLen };
}
