import { describe, expect, it } from 'vitest';
import type { AlpacaRecord } from '../../../recipes/special-tokens/instructions.js';
import { rejection, reportMarkdown, validate } from '../../../recipes/special-tokens/validate.js';

const TOKENS = ['<|AGENT|>', '<|EDIT|>'];
const good = (over: Partial<AlpacaRecord> = {}): AlpacaRecord => ({
  id: 'clamp-0:edit',
  source_id: 'clamp-0',
  mode: 'edit',
  instruction: 'Fix it.',
  input: 'code\n\nError message:\nAssertionError',
  output: '<think>\nThe error says where.\n</think>\n<|EDIT|>\n```python\nreturn hi\n```',
  ...over,
});

describe('the special-tokens validator', () => {
  it('accepts a well-formed EDIT record and a well-formed AGENT record', () => {
    expect(rejection(good(), TOKENS)).toBeNull();
    expect(rejection(good({ id: 'a', mode: 'agent', output: '<think>\nno error\n</think>\n<|AGENT|>\nrun the tests' }), TOKENS)).toBeNull();
  });

  it.each([
    ['schema', { mode: 'fix' as AlpacaRecord['mode'] }],
    ['no_think_block', { output: '<|EDIT|>\nfix' }],
    ['no_token_after_think', { output: '<think>\nx\n</think>\nhere is the fix <|EDIT|>' }],
    ['several_tokens', { output: '<think>\nx\n</think>\n<|EDIT|>\nor <|AGENT|>' }],
    ['wrong_token', { output: '<think>\nx\n</think>\n<|AGENT|>\nexplore' }],
    ['empty_answer', { output: '<think>\nx\n</think>\n<|EDIT|>\n  ' }],
    ['truncated', { output: '<think>\nx\n</think>\n<|EDIT|>\n```python\nreturn' }],
  ])('rejects a record for %s', (reason, over) => {
    expect(rejection(good(over), TOKENS)).toBe(reason);
  });

  it('rejects a record missing a field as schema', () => {
    const { output: _dropped, ...rest } = good();
    expect(rejection(rest, TOKENS)).toBe('schema');
  });

  it('keeps the first of two duplicates and counts the second', () => {
    const { valid, report } = validate([good(), good(), good({ id: 'other' })], TOKENS);
    expect(valid).toHaveLength(1);
    expect(report.rejected.duplicate).toBe(2);
  });

  it('reports valid rate, balance and reasons with examples', () => {
    const records = [good(), good({ id: 'b', mode: 'agent', output: '<think>\nx\n</think>\n<|AGENT|>\nrun' }), good({ id: 'c', output: 'nonsense' })];
    const { report } = validate(records, TOKENS);
    expect(report.valid_rate).toBeCloseTo(2 / 3);
    expect(report.balance).toEqual({ '<|AGENT|>': 1, '<|EDIT|>': 1 });
    expect(report.examples.no_think_block).toEqual([{ id: 'c', output: 'nonsense' }]);
    expect(reportMarkdown(report, 'data.jsonl')).toContain('2 of 3 records valid (66.7%)');
  });
});
