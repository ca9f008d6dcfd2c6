import type { JobConfig } from '../contracts/pyramid-config.ts';
import type { JobSlotsCache } from './job-slots-cache.ts';

/** The first slot of a new job: at or after now (a past `at` is kept, and catchUp decides). */
export function firstSlot(definition: JobConfig, slots: JobSlotsCache, now: number): number | undefined {
  if (definition.schedule.kind === 'at') return definition.schedule.atMs;
  return slots.get(definition.schedule).next(now - 1);
}
