import { describe, expect, it } from 'vitest';
import { extractAnswer, isCorrect, lastBoxed, normalizeAnswer } from '../../../recipes/critique/answers.js';

describe('extractAnswer', () => {
  it('takes the last \\boxed{…} before any #### or number', () => {
    expect(extractAnswer('first \\boxed{3}, then \\boxed{\\frac{1}{2}} #### 7 and 9')).toEqual({ text: '\\frac{1}{2}', source: 'boxed' });
  });

  it('matches nested braces inside \\boxed', () => {
    expect(lastBoxed('so \\boxed{\\frac{a}{b+{c}}} done')).toBe('\\frac{a}{b+{c}}');
  });

  it('falls back to what follows the last #### on its line', () => {
    expect(extractAnswer('#### 4\nno wait\n#### 1,250\nbye 3')).toEqual({ text: '1,250', source: 'marker' });
  });

  it('falls back to the last number when there is no box and no ####', () => {
    expect(extractAnswer('Tom has 3*4 = 12 apples.\nThe answer is 12.')).toEqual({ text: '12', source: 'last-number' });
  });

  it('reports none for a text without a number', () => {
    expect(extractAnswer('I do not know.')).toEqual({ text: null, source: 'none' });
  });
});

describe('normalizeAnswer', () => {
  const equal: [string, string][] = [
    ['1,000', '1000'],
    ['1,234,567.50', '1234567.5'],
    [' 12 ', '12'],
    ['$12$', '12'],
    ['2.50', '2.5'],
    ['3.0', '3'],
    ['3/4', '0.75'],
    ['\\frac{3}{4}', '3/4'],
    ['\\dfrac{6}{8}', '0.75'],
    ['\\frac34', '3/4'],
    ['-\\frac{1}{2}', '-0.5'],
    ['12.', '12'],
    ['+7', '7'],
    ['50\\%', '50'],
    ['90^\\circ', '90'],
    ['\\text{ 5 }', '5'],
    ['\\left( 1, 2 \\right)', '(1,2)'],
  ];
  it.each(equal)('%s equals %s', (a, b) => {
    expect(normalizeAnswer(a)).toBe(normalizeAnswer(b));
  });

  const different: [string, string][] = [
    ['1,2', '12'],
    ['3/4', '4/3'],
    ['0.75', '0.76'],
    ['-3', '3'],
    ['x+1', 'x+2'],
  ];
  it.each(different)('%s differs from %s', (a, b) => {
    expect(normalizeAnswer(a)).not.toBe(normalizeAnswer(b));
  });

  it('writes numbers as exact fractions in lowest terms', () => {
    expect([normalizeAnswer('0.125'), normalizeAnswer('10/4'), normalizeAnswer('7')]).toEqual(['1/8', '5/2', '7']);
  });
});

describe('isCorrect', () => {
  it('grades the extracted answer against the normalised ground truth', () => {
    expect(isCorrect('so the total is \\boxed{1,000}', '1000')).toBe(true);
    expect(isCorrect('The answer is 12.', '13')).toBe(false);
    expect(isCorrect('no idea', '3')).toBe(false);
  });
});
