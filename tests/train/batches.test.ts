import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/cpu/random.js';
import { countedTokens, lengthGrouped, padBatch, shuffled } from '../../src/train/batches.js';

describe('batching', () => {
  it('shuffles the same way for the same seed and otherwise for another', () => {
    expect(shuffled(20, new Rng(1))).toEqual(shuffled(20, new Rng(1)));
    expect(shuffled(20, new Rng(1))).not.toEqual(shuffled(20, new Rng(2)));
    expect([...shuffled(20, new Rng(1))].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('groups by length longest first within each megabatch', () => {
    const lengths = [3, 9, 1, 7];
    expect(lengthGrouped([0, 1, 2, 3], lengths, 2)).toEqual([1, 3, 0, 2]);
  });

  it('right-pads ids with the pad id and labels with −100, counting shifted labels', () => {
    const batch = padBatch(
      [
        { input_ids: [5, 6, 7], labels: [-100, 6, 7] },
        { input_ids: [8], labels: [8] },
      ],
      0,
    );
    expect(batch).toEqual({ inputIds: [5, 6, 7, 8, 0, 0], labels: [-100, 6, 7, 8, -100, -100], B: 2, T: 3, counted: 2 });
    expect(countedTokens([1, -100, 3])).toBe(1);
  });

  it('rejects labels longer or shorter than input_ids', () => {
    expect(() => padBatch([{ input_ids: [1, 2], labels: [1] }], 0)).toThrow(/labels \(1\) and input_ids \(2\)/);
  });
});
