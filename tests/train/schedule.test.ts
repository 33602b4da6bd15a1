import { describe, expect, it } from 'vitest';
import { learningRateFactor, ScheduleSchema, warmupSteps } from '../../src/train/schedule.js';

const at = (type: 'constant' | 'linear' | 'cosine', steps: number[], extra = {}) =>
  steps.map((s) => learningRateFactor(ScheduleSchema.parse({ type, ...extra }), s, 10));

describe('learning-rate schedules', () => {
  it('warm up linearly from 0 over warmup steps', () => {
    expect(at('constant', [0, 1, 2, 3, 4], { warmupSteps: 4 })).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('take warmup as a ratio of the total, rounded up', () => {
    expect(warmupSteps(ScheduleSchema.parse({ warmupRatio: 0.15 }), 10)).toBe(2);
  });

  it('decay linearly to 0 at the last step', () => {
    expect(at('linear', [0, 5, 10], { warmupSteps: 0 })).toEqual([1, 0.5, 0]);
  });

  it('follow half a cosine after warmup', () => {
    const [start, mid, end] = at('cosine', [2, 6, 10], { warmupSteps: 2 });
    expect(start).toBe(1);
    expect(mid).toBeCloseTo(0.5, 12);
    expect(end).toBeCloseTo(0, 12);
  });
});
