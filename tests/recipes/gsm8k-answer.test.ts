import { describe, expect, it } from 'vitest';
import { isCorrect, parseAnswer } from '../../recipes/data/gsm8k-answer.js';

describe('GSM8K answer parsing', () => {
  it('reads the number after the last ####', () => {
    expect(parseAnswer('5 + 3 = 8\n#### 8\nthen #### 12')).toEqual({ value: 12, source: 'marker' });
  });

  it('keeps the sign of a negative answer', () => {
    expect(parseAnswer('#### -42').value).toBe(-42);
  });

  it('keeps decimals', () => {
    expect(parseAnswer('#### 3.75').value).toBe(3.75);
  });

  it('strips thousands separators', () => {
    expect(parseAnswer('#### 1,234,567').value).toBe(1234567);
  });

  it('falls back to the last number when there is no ####, and says so', () => {
    expect(parseAnswer('She has 4 apples, then 7.')).toEqual({ value: 7, source: 'last-number' });
    expect(parseAnswer('no numbers here')).toEqual({ value: null, source: 'none' });
  });

  it('counts only marked answers as correct', () => {
    expect(isCorrect('work...\n#### 1,000', 'reasoning\n#### 1000')).toBe(true);
    expect(isCorrect('the answer is 1000', '#### 1000')).toBe(false);
    expect(isCorrect('#### 999', '#### 1000')).toBe(false);
  });
});
