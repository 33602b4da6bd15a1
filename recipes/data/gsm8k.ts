// GSM8K-style word problems: a small arithmetic program (a start value, then up to 2 more steps of
// + − × ÷) told as a story, with a worked solution in GSM8K's style — one line per step with a
// <<a*b=c>> calculator annotation — ending in `#### <answer>`. By default a solution takes 1–2 lines,
// every value along the way is a positive integer below 30 and added or taken away amounts are single
// digits, so a model of a million parameters pre-trained for minutes on a CPU can learn to solve some;
// the options make harder ones.
import { Rng } from '../../src/cpu/random.js';
import { between, drawUnique, fill, pick } from './common.js';
import { SCENARIOS } from './gsm8k-scenarios.js';

export type GsmOp = 'add' | 'subtract' | 'multiply' | 'divide';

export interface GsmStep {
  op: GsmOp;
  operand: number;
}

/** The problem's arithmetic: start (a number, or count × each), then each step applied in order. */
export interface GsmProgram {
  start: number | { count: number; each: number };
  steps: GsmStep[];
}

export interface GsmProblem {
  /** GSM8K's fields. */
  question: string;
  answer: string;
  scenario: string;
  program: GsmProgram;
}

export interface GsmOptions {
  /** Calculation lines in a solution (the start's product counts as one). Default 1 and 2. */
  minSteps?: number;
  maxSteps?: number;
  /** Every value, the answer included, stays below this. Default 30. */
  maxValue?: number;
  /** Largest amount a step adds or takes away. Default 9. */
  maxOperand?: number;
}

/** The defaults, filled in: what the shipped data uses. */
export function gsmOptions(options: GsmOptions = {}): Required<GsmOptions> {
  return { minSteps: 1, maxSteps: 2, maxValue: 30, maxOperand: 9, ...options };
}

export const SYMBOL: Record<GsmOp, string> = { add: '+', subtract: '-', multiply: '*', divide: '/' };
const NAMES = [
  ['Mia', 'she', 'her'], ['Liam', 'he', 'his'], ['Ava', 'she', 'her'], ['Noah', 'he', 'his'], ['Zoe', 'she', 'her'],
  ['Omar', 'he', 'his'], ['Priya', 'she', 'her'], ['Kenji', 'he', 'his'], ['Lena', 'she', 'her'], ['Diego', 'he', 'his'],
  ['Fatima', 'she', 'her'], ['Tom', 'he', 'his'], ['Aisha', 'she', 'her'], ['Lucas', 'he', 'his'], ['Nora', 'she', 'her'],
] as const;
const FRIENDS = ['Sam', 'Ella', 'Ben', 'Ivy', 'Max', 'Ruby', 'Leo', 'Maya'];

/** `count` distinct problems (no two share a question), the same for the same seed. */
export function generateGsm8k(seed: number, count: number, options: GsmOptions = {}, exclude: ReadonlySet<string> = new Set()): GsmProblem[] {
  const rng = new Rng(seed);
  return drawUnique(count, () => drawProblem(rng, options), (p) => p.question, exclude);
}

/** Train and test problems from one stream, so no question is in both. */
export function gsm8kSplits(seed: number, trainCount: number, testCount: number, options: GsmOptions = {}): { train: GsmProblem[]; test: GsmProblem[] } {
  const all = generateGsm8k(seed, trainCount + testCount, options);
  return { train: all.slice(0, trainCount), test: all.slice(trainCount) };
}

/** The rows written to data/gsm8k: GSM8K's own two fields. */
export function gsm8kRow(p: GsmProblem): { question: string; answer: string } {
  return { question: p.question, answer: p.answer };
}

function drawProblem(rng: Rng, options: GsmOptions): GsmProblem {
  const o = gsmOptions(options);
  const lines = between(rng, o.minSteps, o.maxSteps);
  const scenario = pick(rng, SCENARIOS);
  const [name, pronoun, possessive] = pick(rng, NAMES);
  const slots: Record<string, string | number> = { P: name, s: pronoun, S: capitalize(pronoun), poss: possessive, friend: pick(rng, FRIENDS) };
  const product = rng.next() < 0.5;
  const start = product ? drawProduct(rng, o.maxValue) : between(rng, 6, Math.min(60, o.maxValue - 1));
  let value = typeof start === 'number' ? start : start.count * start.each;
  const sentences = [fill(pick(rng, product ? scenario.introProduct : scenario.intro), { ...slots, ...(typeof start === 'number' ? { n: start } : start) })];
  const solution = typeof start === 'number' ? [] : [calcLine(fill(scenario.productLead, slots), start.count, 'multiply', start.each, scenario.unit)];
  const steps: GsmStep[] = [];
  while (solution.length < lines) {
    const step = drawStep(rng, value, o);
    const phrase = scenario.steps[step.op];
    sentences.push(fill(pick(rng, phrase.question), { ...slots, n: step.operand }));
    solution.push(calcLine(fill(phrase.lead, slots), value, step.op, step.operand, scenario.unit));
    value = apply(value, step);
    steps.push(step);
  }
  sentences.push(fill(scenario.ask, slots));
  solution.push(`#### ${value}`);
  return { question: sentences.join(' '), answer: solution.join('\n'), scenario: scenario.name, program: { start, steps } };
}

/** count × each for a product start, below maxValue. */
export function drawProduct(rng: Rng, maxValue: number): { count: number; each: number } {
  for (;;) {
    const start = { count: between(rng, 2, 9), each: between(rng, 2, 12) };
    if (start.count * start.each < maxValue) return start;
  }
}

/** A step that keeps the running value a positive integer below maxValue. */
export function drawStep(rng: Rng, value: number, options: Required<GsmOptions>): GsmStep {
  const { maxValue, maxOperand } = options;
  const divisors = [2, 3, 4, 5, 6].filter((d) => value % d === 0 && value / d >= 2);
  const candidates: (() => GsmStep | null)[] = [
    () => (value + 2 < maxValue ? { op: 'add', operand: between(rng, 2, Math.min(maxOperand, maxValue - 1 - value)) } : null),
    () => (value > 3 ? { op: 'subtract', operand: between(rng, 1, Math.min(maxOperand, value - 2)) } : null),
    () => (value * 2 < maxValue && value <= 120 ? { op: 'multiply', operand: between(rng, 2, Math.min(4, Math.floor((maxValue - 1) / value))) } : null),
    () => (divisors.length > 0 ? { op: 'divide', operand: pick(rng, divisors) } : null),
  ];
  for (;;) {
    const step = pick(rng, candidates)();
    if (step) return step;
  }
}

export function apply(value: number, step: GsmStep): number {
  switch (step.op) {
    case 'add': return value + step.operand;
    case 'subtract': return value - step.operand;
    case 'multiply': return value * step.operand;
    case 'divide': return value / step.operand;
  }
}

/** `Lead a+b = <<a+b=c>>c unit.` as GSM8K writes a calculation. */
export function calcLine(lead: string, a: number, op: GsmOp, b: number, unit: string): string {
  const expr = `${a}${SYMBOL[op]}${b}`;
  const result = apply(a, { op, operand: b });
  return `${lead} ${expr} = <<${expr}=${result}>>${result} ${unit}.`;
}

function capitalize(word: string): string {
  return word[0]!.toUpperCase() + word.slice(1);
}
