import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { chosenToken, tokenChoice } from '../../../recipes/special-tokens/evaluate.js';
import { addTokensToModel } from '../../../src/io/added-tokens.js';
import { loadTokenizer, type Tokenizer } from '../../../src/io/tokenizer.js';

const TINY = fileURLToPath(new URL('../../../models/qwen3-tiny', import.meta.url));
const TOKENS = ['<|AGENT|>', '<|EDIT|>'];
let tok: Tokenizer;
/** The ids the model would generate for `text` (special tokens as their single ids). */
const ids = (text: string) => tok.encode(text, { addSpecialTokens: false });

beforeAll(async () => {
  const dir = join(await mkdtemp(join(tmpdir(), 'wgml-st-choice-')), 'model');
  await addTokensToModel(TINY, dir, TOKENS);
  tok = await loadTokenizer(dir);
});

describe('token choice from generated ids', () => {
  it('reads the new token from the ids, where text decoding drops it', () => {
    const generated = ids('An error was given.\n</think>\n<|EDIT|>');
    expect(tok.decode(generated, { skipSpecialTokens: true })).not.toContain('<|EDIT|>');
    expect(chosenToken(tok, generated, TOKENS, true)).toBe('<|EDIT|>');
  });

  it('takes the first token after </think>, past whitespace', () => {
    expect(chosenToken(tok, ids('No error.</think>\n\n <|AGENT|>\nI will run the tests.'), TOKENS, true)).toBe('<|AGENT|>');
  });

  it('is none when the thinking block is never closed', () => {
    expect(chosenToken(tok, ids('No error, so I will explore <|AGENT|>'), TOKENS, true)).toBeNull();
  });

  it('is none when text, not a new token, follows </think>', () => {
    expect(chosenToken(tok, ids('No error.\n</think>\nI will run the tests. <|AGENT|>'), TOKENS, true)).toBeNull();
  });

  it('with thinking off, is the first generated id, and none when that is not a new token', () => {
    expect(chosenToken(tok, ids('<|AGENT|>\nI will run the tests.'), TOKENS, false)).toBe('<|AGENT|>');
    expect(chosenToken(tok, ids('\n<|EDIT|>'), TOKENS, false)).toBeNull();
  });

  it('counts expected × chosen, none for no choice', () => {
    const m = tokenChoice([
      { id: 'a', expected: '<|AGENT|>', chosen: '<|AGENT|>', generated: '' },
      { id: 'b', expected: '<|EDIT|>', chosen: '<|AGENT|>', generated: '' },
      { id: 'c', expected: '<|EDIT|>', chosen: null, generated: '' },
    ], TOKENS);
    expect(m.accuracy).toBeCloseTo(1 / 3);
    expect(m.confusion['<|EDIT|>']).toEqual({ '<|AGENT|>': 1, '<|EDIT|>': 0, none: 1 });
  });
});
