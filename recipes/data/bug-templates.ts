// Small Python functions and the bugs planted in them. Slots: {f} the function's name, {xs} a list
// parameter, {x} its loop variable, {acc} an accumulator. A bug replaces one line (or deletes it:
// replace null); its test arguments are drawn so the bug always shows, and `raises` is the
// exception the failing assert meets (checked against a real Python by tests/recipes/bugs.test.ts).
import type { Rng } from '../../src/cpu/random.js';
import { between } from './common.js';

export type BugKind = 'off-by-one' | 'wrong-operator' | 'wrong-variable' | 'missing-return';
export type PyValue = number | string | number[];

export interface PlantedBug {
  kind: BugKind;
  /** 0-based line of the correct function that the bug changes. */
  line: number;
  replace: string | null;
  raises?: string;
  args?: (rng: Rng) => PyValue[];
}

export interface BugTemplate {
  names: string[];
  lines: string[];
  args: (rng: Rng) => PyValue[];
  /** The correct function, in TS, for the test's expected value. */
  reference: (...args: PyValue[]) => PyValue;
  bugs: PlantedBug[];
}

/** Distinct positive integers, so sums, maxima and positions all differ from their look-alikes. */
function list(rng: Rng, min = 3, max = 6): number[] {
  const out: number[] = [];
  const n = between(rng, min, max);
  while (out.length < n) {
    const v = between(rng, 1, 30);
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

const word = (rng: Rng, n: number): string => Array.from({ length: n }, () => 'abcdefghij'[rng.int(10)]).join('');
const nums = (a: PyValue): number[] => a as number[];
const MISSING = 'missing-return' as const;

export const BUG_TEMPLATES: BugTemplate[] = [
  {
    names: ['sum_list', 'total_of', 'add_all'],
    lines: ['def {f}({xs}):', '    {acc} = 0', '    for {x} in {xs}:', '        {acc} += {x}', '    return {acc}'],
    args: (rng) => [list(rng)],
    reference: (xs) => nums(xs).reduce((a, b) => a + b, 0),
    bugs: [
      { kind: 'wrong-operator', line: 3, replace: '        {acc} -= {x}' },
      { kind: 'off-by-one', line: 2, replace: '    for {x} in {xs}[1:]:' },
      { kind: 'wrong-variable', line: 4, replace: '    return {x}' },
      { kind: MISSING, line: 4, replace: null },
    ],
  },
  {
    names: ['count_evens', 'num_even'],
    lines: ['def {f}({xs}):', '    count = 0', '    for {x} in {xs}:', '        if {x} % 2 == 0:', '            count += 1', '    return count'],
    args: (rng) => [[...list(rng, 3, 5).map((v) => 2 * v), 1]],
    reference: (xs) => nums(xs).filter((v) => v % 2 === 0).length,
    bugs: [
      { kind: 'wrong-operator', line: 3, replace: '        if {x} % 2 == 1:' },
      { kind: 'off-by-one', line: 1, replace: '    count = 1' },
      { kind: MISSING, line: 5, replace: null },
    ],
  },
  {
    names: ['max_value', 'largest'],
    lines: ['def {f}({xs}):', '    best = {xs}[0]', '    for {x} in {xs}:', '        if {x} > best:', '            best = {x}', '    return best'],
    // The maximum sits in the middle: neither the first nor the last item.
    args: (rng) => {
      const xs = list(rng, 4, 6).sort((a, b) => a - b);
      const top = xs.pop()!;
      xs.splice(1 + rng.int(xs.length - 1), 0, top);
      return [xs];
    },
    reference: (xs) => Math.max(...nums(xs)),
    bugs: [
      { kind: 'wrong-operator', line: 3, replace: '        if {x} < best:' },
      { kind: 'wrong-variable', line: 5, replace: '    return {x}' },
      { kind: MISSING, line: 5, replace: null },
    ],
  },
  {
    names: ['factorial', 'fact'],
    lines: ['def {f}(n):', '    result = 1', '    for i in range(1, n + 1):', '        result *= i', '    return result'],
    args: (rng) => [between(rng, 3, 8)],
    reference: (n) => Array.from({ length: n as number }, (_, i) => i + 1).reduce((a, b) => a * b, 1),
    bugs: [
      { kind: 'off-by-one', line: 2, replace: '    for i in range(1, n):' },
      { kind: 'wrong-operator', line: 3, replace: '        result += i' },
      { kind: 'wrong-variable', line: 4, replace: '    return i' },
      { kind: MISSING, line: 4, replace: null },
    ],
  },
  {
    names: ['reverse', 'reversed_text'],
    lines: ['def {f}(text):', '    out = ""', '    for ch in text:', '        out = ch + out', '    return out'],
    args: (rng) => [`${word(rng, between(rng, 2, 6))}z`],
    reference: (s) => [...(s as string)].reverse().join(''),
    bugs: [
      { kind: 'wrong-operator', line: 3, replace: '        out = out + ch' },
      { kind: 'wrong-variable', line: 4, replace: '    return text' },
      { kind: MISSING, line: 4, replace: null },
    ],
  },
  {
    names: ['last_item', 'final_element'],
    lines: ['def {f}({xs}):', '    if not {xs}:', '        return None', '    return {xs}[len({xs}) - 1]'],
    args: (rng) => [list(rng)],
    reference: (xs) => nums(xs).at(-1)!,
    bugs: [
      { kind: 'off-by-one', line: 3, replace: '    return {xs}[len({xs})]', raises: 'IndexError: list index out of range' },
      { kind: 'wrong-variable', line: 3, replace: '    return {xs}[0]' },
    ],
  },
  {
    names: ['average', 'mean'],
    lines: ['def {f}({xs}):', '    total = sum({xs})', '    return total / len({xs})'],
    args: (rng) => [list(rng, 2, 5)],
    reference: (xs) => nums(xs).reduce((a, b) => a + b, 0) / nums(xs).length,
    bugs: [
      { kind: 'wrong-operator', line: 2, replace: '    return total * len({xs})' },
      { kind: 'off-by-one', line: 2, replace: '    return total / (len({xs}) - 1)' },
      { kind: MISSING, line: 2, replace: '    total / len({xs})' },
    ],
  },
  {
    names: ['clamp', 'bound'],
    lines: ['def {f}(x, lo, hi):', '    if x < lo:', '        return lo', '    if x > hi:', '        return hi', '    return x'],
    args: (rng) => [between(rng, 11, 19), between(rng, 0, 10), between(rng, 20, 30)],
    reference: (x, lo, hi) => Math.min(Math.max(x as number, lo as number), hi as number),
    bugs: [
      { kind: 'wrong-variable', line: 4, replace: '        return lo', args: (rng) => [between(rng, 31, 50), between(rng, 0, 10), between(rng, 20, 30)] },
      { kind: 'wrong-operator', line: 1, replace: '    if x > lo:' },
      { kind: MISSING, line: 5, replace: null },
    ],
  },
  {
    names: ['count_char', 'occurrences'],
    lines: ['def {f}(text, ch):', '    n = 0', '    for c in text:', '        if c == ch:', '            n += 1', '    return n'],
    args: (rng) => [`${word(rng, between(rng, 3, 7))}kk`, 'k'],
    reference: (s, c) => [...(s as string)].filter((x) => x === c).length,
    bugs: [
      { kind: 'wrong-operator', line: 3, replace: '        if c != ch:' },
      { kind: 'wrong-variable', line: 3, replace: '        if c == text:' },
      { kind: MISSING, line: 5, replace: null },
    ],
  },
  {
    names: ['index_of', 'find_position'],
    lines: ['def {f}({xs}, target):', '    for i in range(len({xs})):', '        if {xs}[i] == target:', '            return i', '    return -1'],
    args: (rng) => {
      const xs = list(rng);
      return [xs, xs[0]!];
    },
    reference: (xs, t) => nums(xs).indexOf(t as number),
    bugs: [
      { kind: 'off-by-one', line: 1, replace: '    for i in range(1, len({xs})):' },
      { kind: 'wrong-variable', line: 3, replace: '            return target' },
    ],
  },
  {
    names: ['fib', 'fibonacci'],
    lines: ['def {f}(n):', '    a, b = 0, 1', '    for _ in range(n):', '        a, b = b, a + b', '    return a'],
    args: (rng) => [between(rng, 4, 15)],
    reference: (n) => {
      let [a, b] = [0, 1];
      for (let i = 0; i < (n as number); i++) [a, b] = [b, a + b];
      return a;
    },
    bugs: [
      { kind: 'off-by-one', line: 2, replace: '    for _ in range(n - 1):' },
      { kind: 'wrong-operator', line: 3, replace: '        a, b = b, a * b' },
      { kind: 'wrong-variable', line: 4, replace: '    return b' },
    ],
  },
];
