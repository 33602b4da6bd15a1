import { describe, expect, it } from 'vitest';
import { drillLines } from '../../recipes/data/arithmetic-drill.js';
import { generateGsm8k, type GsmOptions, type GsmProgram, gsm8kSplits } from '../../recipes/data/gsm8k.js';

const problems = generateGsm8k(7, 500);
const HARD: GsmOptions = { maxSteps: 4, maxValue: 1000, maxOperand: 40 };

/** The program's value, computed here and not by the generator. */
function evaluate(program: GsmProgram): number {
  let value = typeof program.start === 'number' ? program.start : program.start.count * program.start.each;
  for (const { op, operand } of program.steps) {
    if (op === 'add') value += operand;
    else if (op === 'subtract') value -= operand;
    else if (op === 'multiply') value *= operand;
    else value /= operand;
  }
  return value;
}

function finalAnswer(answer: string): number {
  const match = /\n#### (\d+)$/.exec(answer);
  if (!match) throw new Error(`no final #### line in ${JSON.stringify(answer)}`);
  return Number(match[1]);
}

/** Every <<a op b=c>> is right, shown after the annotation, and starts from the previous result. */
function expectChainedCalculations(answer: string, program: GsmProgram): void {
  const calcs = [...answer.matchAll(/<<(\d+)([-+*/])(\d+)=(\d+)>>(\d+)/g)];
  expect(calcs).toHaveLength(answer.split('\n').length - 1);
  let previous: number | null = typeof program.start === 'number' ? program.start : null;
  for (const [, a, op, b, c, shown] of calcs) {
    const value = compute(Number(a), op!, Number(b));
    expect(Number(c)).toBe(value);
    expect(Number(shown)).toBe(value);
    if (previous !== null) expect(Number(a)).toBe(previous);
    previous = value;
  }
  expect(previous).toBe(finalAnswer(answer));
}

function compute(x: number, op: string, y: number): number {
  return op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : x / y;
}

describe('GSM8K-style problems', () => {
  it('are the same for the same seed and different for another', () => {
    expect(generateGsm8k(7, 50)).toEqual(problems.slice(0, 50));
    expect(generateGsm8k(8, 50).map((p) => p.question)).not.toEqual(problems.slice(0, 50).map((p) => p.question));
  });

  it('end in #### and the number that recomputing their program gives', () => {
    for (const p of problems) expect(finalAnswer(p.answer), p.question).toBe(evaluate(p.program));
  });

  it('show each step as a correct <<a op b=c>> calculation chained from the previous result', () => {
    for (const p of problems) expectChainedCalculations(p.answer, p.program);
  });

  it('take 1 to 2 steps, keep every value a positive integer below 30 and add or take away at most 9', () => {
    for (const p of problems) {
      const lines = p.answer.split('\n').length - 1;
      expect(lines).toBeGreaterThanOrEqual(1);
      expect(lines).toBeLessThanOrEqual(2);
      for (const n of p.answer.match(/\d+/g)!.map(Number)) {
        expect(Number.isInteger(n) && n > 0 && n < 30, `${n} in ${p.answer}`).toBe(true);
      }
      for (const s of p.program.steps) if (s.op === 'add' || s.op === 'subtract') expect(s.operand).toBeLessThanOrEqual(9);
    }
  });

  it('follow harder options: up to 4 steps and values below 1000, still correct', () => {
    const hard = generateGsm8k(9, 300, HARD);
    for (const p of hard) {
      expect(finalAnswer(p.answer), p.question).toBe(evaluate(p.program));
      expectChainedCalculations(p.answer, p.program);
      expect(p.answer.split('\n').length - 1).toBeLessThanOrEqual(4);
      for (const n of p.answer.match(/\d+/g)!.map(Number)) expect(n > 0 && n < 1000, `${n} in ${p.answer}`).toBe(true);
    }
    expect(Math.max(...hard.map((p) => finalAnswer(p.answer)))).toBeGreaterThanOrEqual(100);
  });

  it('state every operand in the question', () => {
    for (const p of problems) {
      const numbers = new Set(p.question.match(/\d+/g)!.map(Number));
      const operands = [...p.program.steps.map((s) => s.operand), ...(typeof p.program.start === 'number' ? [p.program.start] : [p.program.start.count, p.program.start.each])];
      for (const n of operands) expect(numbers.has(n), `${n} in ${p.question}`).toBe(true);
    }
  });

  it('use every operation and several stories', () => {
    const ops = new Set(problems.flatMap((p) => p.program.steps.map((s) => s.op)));
    expect([...ops].sort()).toEqual(['add', 'divide', 'multiply', 'subtract']);
    expect(new Set(problems.map((p) => p.scenario)).size).toBeGreaterThanOrEqual(6);
  });

  it('share no question between train and test', () => {
    const { train, test } = gsm8kSplits(3, 300, 100);
    const trainQuestions = new Set(train.map((p) => p.question));
    expect(trainQuestions.size).toBe(300);
    expect(test.filter((p) => trainQuestions.has(p.question))).toEqual([]);
  });
});

describe('arithmetic drill lines', () => {
  const lines = drillLines(5, 2000);

  it('are the same for the same seed', () => {
    expect(drillLines(5, 100)).toEqual(lines.slice(0, 100));
  });

  it('are correct a op b=c facts on the problems\' numbers, every operation among them', () => {
    for (const line of lines) {
      const match = /^(\d+)([-+*/])(\d+)=(\d+)$/.exec(line);
      if (!match) expect.fail(`${line} is not a op b=c`);
      const [, a, op, b, c] = match;
      expect(Number(c), line).toBe(compute(Number(a), op!, Number(b)));
      for (const n of [a, b, c].map(Number)) expect(n > 0 && n < 30, line).toBe(true);
    }
    expect(new Set(lines.map((l) => /[-+*/]/.exec(l)![0])).size).toBe(4);
  });
});
