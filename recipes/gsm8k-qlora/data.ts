// The GSM8K splits a run uses: the few-shot pool (seeded, saved, never trained on), an optional dev
// split for the checkpoint sweep, an optional refined training file, and the seeded training subset.
import { Rng } from '../../src/cpu/random.js';
import { ConfigError } from '../../src/errors.js';
import { shuffled } from '../../src/train/batches.js';
import { parseAnswer } from '../data/gsm8k-answer.js';
import type { GsmRecord } from '../data/gsm8k-records.js';

/** `size` training records chosen by `seed`, in the order drawn (the first k are the prompt's shots). */
export function fewShotPool(train: readonly GsmRecord[], size: number, seed: number): GsmRecord[] {
  if (size > train.length) throw new ConfigError(`few_shot.pool_size ${size} exceeds the ${train.length} training records`);
  return shuffled(train.length, new Rng(seed)).slice(0, size).map((i) => train[i]!);
}

/** The records of `train` whose question is not in `removed`. */
export function without(train: readonly GsmRecord[], removed: readonly GsmRecord[]): GsmRecord[] {
  const taken = new Set(removed.map((r) => r.question));
  return train.filter((r) => !taken.has(r.question));
}

/** `count` records (all when null or larger) drawn by `seed`, in the file's order. */
export function sampleRecords(records: readonly GsmRecord[], count: number | null, seed: number): GsmRecord[] {
  if (count === null || count >= records.length) return [...records];
  const keep = new Set(shuffled(records.length, new Rng(seed)).slice(0, count));
  return records.filter((_, i) => keep.has(i));
}

const CALCULATION = /<<([^<>=]+)=([^<>]+)>>/g;

/** Evaluates `a op b op …` of + − × ÷ left to right with × and ÷ first; null when it is not such an expression. */
function evaluate(expression: string): number | null {
  if (!/^[\d.+\-*/ ]+$/.test(expression)) return null;
  const tokens = expression.replace(/\s+/g, '').match(/\d+(?:\.\d+)?|[+\-*/]/g);
  if (!tokens || tokens.length % 2 === 0) return null;
  const terms: number[] = [Number(tokens[0])];
  const ops: string[] = [];
  for (let i = 1; i < tokens.length; i += 2) {
    const [op, value] = [tokens[i]!, Number(tokens[i + 1])];
    if (op === '*') terms.push(terms.pop()! * value);
    else if (op === '/') terms.push(terms.pop()! / value);
    else {
      ops.push(op);
      terms.push(value);
    }
  }
  return ops.reduce((acc, op, i) => (op === '+' ? acc + terms[i + 1]! : acc - terms[i + 1]!), terms[0]!);
}

/** A solution checks out when it has a #### answer and every <<expr=result>> it shows is right. */
export function solutionChecksOut(answer: string): boolean {
  if (parseAnswer(answer).source !== 'marker') return false;
  for (const [, expression, result] of answer.matchAll(CALCULATION)) {
    const value = evaluate(expression!);
    if (value === null || Math.abs(value - Number(result!.replace(/,/g, ''))) > 1e-6) return false;
  }
  return true;
}

/** The refined training file: each question once, only solutions that check out. */
export function refineRecords(records: readonly GsmRecord[]): GsmRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => {
    const key = r.question.trim().toLowerCase();
    if (seen.has(key) || !solutionChecksOut(r.answer)) return false;
    seen.add(key);
    return true;
  });
}
