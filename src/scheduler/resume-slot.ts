import type { JobConfig } from '../contracts/pyramid-config.ts';
import { firstSlot } from './first-slot.ts';
import type { JobSlotsCache } from './job-slots-cache.ts';

/**
 * The next slot of a job being enabled: its slots that passed while it was disabled are not missed
 * slots (catchUp is for downtime), so it resumes at or after now; a one-off `at` keeps its time.
 */
export function resumeSlot(
  definition: JobConfig,
  nextRunAt: number | undefined,
  slots: JobSlotsCache,
  now: number,
): number | undefined {
  return definition.schedule.kind === 'at' ? nextRunAt : firstSlot(definition, slots, now);
}
