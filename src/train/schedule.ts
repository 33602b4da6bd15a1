// Learning-rate schedules with linear warmup, as transformers' get_{constant,linear,cosine}_schedule_with_warmup.
import { z } from 'zod';

export const ScheduleSchema = z.object({
  type: z.enum(['constant', 'linear', 'cosine']).default('linear'),
  /** Warmup as steps; wins over warmupRatio when both are given. */
  warmupSteps: z.number().int().min(0).optional(),
  /** Warmup as a fraction of the total optimizer steps (rounded up, as HF does). */
  warmupRatio: z.number().min(0).max(1).default(0),
});
export type Schedule = z.output<typeof ScheduleSchema>;

export function warmupSteps(schedule: Schedule, totalSteps: number): number {
  return schedule.warmupSteps ?? Math.ceil(schedule.warmupRatio * totalSteps);
}

/** Multiplier of the peak learning rate at optimizer step `step` (0-based, the step being taken). */
export function learningRateFactor(schedule: Schedule, step: number, totalSteps: number): number {
  const warmup = warmupSteps(schedule, totalSteps);
  if (step < warmup) return step / Math.max(1, warmup);
  const progress = (step - warmup) / Math.max(1, totalSteps - warmup);
  switch (schedule.type) {
    case 'constant':
      return 1;
    case 'linear':
      return Math.max(0, 1 - progress);
    case 'cosine':
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
  }
}
