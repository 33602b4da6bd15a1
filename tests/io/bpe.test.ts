import { describe, expect, it } from 'vitest';
import { trainBpe } from '../../src/io/bpe-trainer.js';
import { byteLevelTokenizer } from '../../src/io/byte-tokenizer.js';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';

const TOY = ['the cat sat on the mat', 'the hat', 'that cat'];

describe('byte-level BPE training', () => {
  it('merges the most frequent pair first', () => {
    // "at" occurs 6 times (cat ×2, sat, mat, hat, that); "th", the runner-up, 4 times.
    const merges = trainBpe(TOY, { vocabSize: 256 + 3 + 1 });
    expect(merges).toEqual([['a', 't']]);
  });

  it('builds longer tokens from earlier merges, spaces written as Ġ', () => {
    const merges = trainBpe(['the the the the the'], { vocabSize: 256 + 3 + 3 });
    expect(merges.map(([a, b]) => a + b)).toContain('Ġthe');
  });

  it('is deterministic and independent of text order', () => {
    const corpus = ['alpha beta gamma', 'beta gamma delta', 'gamma delta epsilon', 'abab baba abba'];
    const a = trainBpe(corpus, { vocabSize: 300 });
    expect(trainBpe(corpus, { vocabSize: 300 })).toEqual(a);
    expect(trainBpe([...corpus].reverse(), { vocabSize: 300 })).toEqual(a);
  });

  it('never merges digits, so numbers stay one token per digit', () => {
    const merges = trainBpe(['12 12 12 12 123 123 a1 a1'], { vocabSize: 300 });
    expect(merges.flat().some((t) => /\d/.test(t))).toBe(false);
    expect(trainBpe(['12 12 12 12'], { vocabSize: 300, splitDigits: false }).flat()).toContain('1');
  });

  it('stops at the target vocabulary or when no pair repeats', () => {
    const text = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor';
    expect(trainBpe([text, text], { vocabSize: 270 })).toHaveLength(270 - 259);
    expect(trainBpe(['abcdefg'], { vocabSize: 4000 })).toEqual([]);
  });

  it('yields merges the HF tokenizer applies, with exact round trips', () => {
    const corpus = ['The quick brown fox jumps over the lazy dog.', 'the fox, the dog; 42 + 7 = 49', 'naïve café — 東京'];
    const { tokenizerJson, tokenizerConfig } = byteLevelTokenizer(trainBpe(corpus.concat(corpus), { vocabSize: 320 }));
    const hf = new HfTokenizer(tokenizerJson, tokenizerConfig);
    for (const text of corpus) {
      const ids = hf.encode(text).ids;
      expect(ids.length).toBeLessThan(new TextEncoder().encode(text).length);
      expect(hf.decode(ids)).toBe(text);
    }
  });
});
