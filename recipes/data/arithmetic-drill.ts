// Arithmetic drills: the number facts GSM8K-style solutions need, one `a op b=c` per line as their
// <<…>> annotations write them, drawn like the problems' own steps (and product starts), so a tiny
// model sees each fact many more times than the word problems alone would show it.
import { Rng } from '../../src/cpu/random.js';
import { between } from './common.js';
import { apply, drawProduct, drawStep, type GsmOptions, gsmOptions, SYMBOL } from './gsm8k.js';

/** `count` drill lines, the same for the same seed. */
export function drillLines(seed: number, count: number, options: GsmOptions = {}): string[] {
  const o = gsmOptions(options);
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    if (rng.next() < 0.2) {
      const { count: a, each: b } = drawProduct(rng, o.maxValue);
      return `${a}*${b}=${a * b}`;
    }
    const value = between(rng, 2, o.maxValue - 1);
    const step = drawStep(rng, value, o);
    return `${value}${SYMBOL[step.op]}${step.operand}=${apply(value, step)}`;
  });
}
