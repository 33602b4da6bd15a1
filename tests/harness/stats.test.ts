// The chi-square helper the sampler tests rest on, against textbook values.
import { describe, expect, it } from 'vitest';
import { chiSquare, gammaQ } from '../helpers/stats.js';

describe('chi-square test', () => {
  it.each([
    // Upper-tail critical values of χ²: P(χ²_dof ≥ x) = p (tables, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.4).
    [1, 3.841, 0.05],
    [3, 7.815, 0.05],
    [3, 11.345, 0.01],
    [10, 23.209, 0.01],
    [2, 13.816, 0.001],
  ])('gives P(χ²_%i ≥ %f) = %f', (dof, x, p) => {
    expect(gammaQ(dof / 2, x / 2)).toBeCloseTo(p, 4);
  });

  it('scores counts equal to their expectation 0 with p = 1, and a count in a zero-probability category p = 0', () => {
    expect(chiSquare([10, 20, 30, 40], [0.1, 0.2, 0.3, 0.4])).toEqual({ statistic: 0, dof: 3, p: 1 });
    expect(chiSquare([1, 50, 49], [0, 0.5, 0.5]).p).toBe(0);
    expect(chiSquare([0, 50, 50], [0, 0.5, 0.5]).dof).toBe(1);
  });
});
