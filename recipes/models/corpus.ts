// The pre-training corpus of the shipped tiny models: GSM8K-style problems generated afresh (none of
// the shipped train or test questions) with solutions that end `The answer is n.` — the base model's
// own style, as a real instruct model has one; GSM8K's `#### n` is left for the recipe's fine-tune to
// teach — a sample of every other shipped training set, and seeded arithmetic drills, all as chats
// packed into sequences of one length so a batch wastes nothing on padding. Each sequence starts at a
// chat's first token, as a prompt does.
import { join } from 'node:path';
import { Rng } from '../../src/cpu/random.js';
import type { ChatMessage } from '../../src/io/chat-template.js';
import type { Tokenizer } from '../../src/io/tokenizer.js';
import type { LabelledExample } from '../../src/train/labels.js';
import { drillLines } from '../data/arithmetic-drill.js';
import { readJsonl, shuffled } from '../data/common.js';
import { generateGsm8k } from '../data/gsm8k.js';

/** The corpus's name for its generated GSM8K-style problems. */
export const GSM_SOURCE = 'GSM8K-style problems generated for pre-training (none of data/gsm8k; solutions end "The answer is n.")';

export interface CorpusOptions {
  /** Tokens per packed sequence. */
  seqLen: number;
  /** GSM8K-style problems to generate for pre-training. */
  gsmProblems: number;
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

/** A GSM8K solution in the base model's style: its last line `#### n` becomes `The answer is n.` */
export function pretrainingAnswer(answer: string): string {
  return answer.replace(/#### (.+)$/, 'The answer is $1.');
}

/** Chats by source: `gsmProblems` fresh GSM8K-style problems, then every other shipped training set. */
export async function sourceChats(root: string, gsmProblems: number, seed: number): Promise<Record<string, ChatMessage[][]>> {
  const chat = (user: string, assistant: string): ChatMessage[] => [{ role: 'user', content: user }, { role: 'assistant', content: assistant }];
  const shipped = await Promise.all(['train', 'test'].map((split) => readJsonl<{ question: string }>(join(root, `data/gsm8k/${split}.jsonl`))));
  const gsm = generateGsm8k(seed, gsmProblems, {}, new Set(shipped.flat().map((r) => r.question)));
  const json = await readJsonl<{ prompt: string; completion: string }>(join(root, 'data/json-format/train.jsonl'));
  const bugs = await readJsonl<{ buggy: string; fixed: string }>(join(root, 'data/special-tokens/bugs.jsonl'));
  const safety = await readJsonl<{ prompt: string; safe_response: string; split: string }>(join(root, 'data/safety/prompts.jsonl'));
  return {
    [GSM_SOURCE]: gsm.map((p) => chat(p.question, pretrainingAnswer(p.answer))),
    'data/json-format/train.jsonl': json.map((r) => chat(r.prompt, r.completion)),
    'data/special-tokens/bugs.jsonl': bugs.map((r) => chat(`Fix the bug in this Python function.\n\n${r.buggy}`, r.fixed)),
    'data/safety/prompts.jsonl (train split, safe responses)': safety.filter((r) => r.split === 'train').map((r) => chat(r.prompt, r.safe_response)),
  };
}

/** Packs the chats (whole, shuffled, seeded) into `seqLen` sequences, filling each tail with drill lines. */
export async function pretrainCorpus(root: string, tokenizer: Tokenizer, options: CorpusOptions): Promise<Corpus> {
  const rng = new Rng(options.seed);
  const sources = await sourceChats(root, options.gsmProblems, options.seed);
  const encode = (text: string): number[] => tokenizer.encode(text, { addSpecialTokens: false });
  const chats: number[][] = [];
  const counts: Record<string, number> = {};
  for (const [name, list] of Object.entries(sources)) {
    const take = name === GSM_SOURCE ? list.length : Math.round(options.otherShare * list.length);
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
