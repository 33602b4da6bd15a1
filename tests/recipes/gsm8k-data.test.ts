import { describe, expect, it } from 'vitest';
import { generateGsm8k, type GsmProgram, gsm8kSplits } from '../../recipes/data/gsm8k.js';

const problems = generateGsm8k(7, 500);

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

describe('GSM8K-style problems', () => {
  it('are the same for the same seed and different for another', () => {
    expect(generateGsm8k(7, 50)).toEqual(problems.slice(0, 50));
    expect(generateGsm8k(8, 50).map((p) => p.question)).not.toEqual(problems.slice(0, 50).map((p) => p.question));
  });

  it('end in #### and the number that recomputing their program gives', () => {
    for (const p of problems) expect(finalAnswer(p.answer), p.question).toBe(evaluate(p.program));
  });

  it('show each step as a correct <<a op b=c>> calculation chained from the previous result', () => {
    for (const p of problems) {
      const calcs = [...p.answer.matchAll(/<<(\d+)([-+*/])(\d+)=(\d+)>>(\d+)/g)];
      const lines = p.answer.split('\n');
      expect(calcs).toHaveLength(lines.length - 1);
      let previous: number | null = typeof p.program.start === 'number' ? p.program.start : null;
      for (const [, a, op, b, c, shown] of calcs) {
        const [x, y] = [Number(a), Number(b)];
        const value = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : x / y;
        expect(Number(c)).toBe(value);
        expect(Number(shown)).toBe(value);
        if (previous !== null) expect(x).toBe(previous);
        previous = value;
      }
      expect(previous).toBe(finalAnswer(p.answer));
    }
  });

  it('take 2 to 4 steps and keep every value a positive integer below 1000', () => {
    for (const p of problems) {
      const lines = p.answer.split('\n').length - 1;
      expect(lines).toBeGreaterThanOrEqual(2);
      expect(lines).toBeLessThanOrEqual(4);
      for (const n of p.answer.match(/\d+/g)!.map(Number)) {
        expect(Number.isInteger(n) && n > 0 && n < 1000, `${n} in ${p.answer}`).toBe(true);
      }
    }
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
