import type { SchedulerWrite, StoredJob } from '../contracts/scheduler-store.ts';
import type { JobSlotsCache } from './job-slots-cache.ts';

/**
 * The slot moves of the first start on a store, which has nothing to catch up: slots that passed
 * before it (stored by `jobs add` or `jobs enable`, which store the config jobs too, before Pyramid
 * ever ran) are not missed slots, so each job resumes at its first slot within the grace window. A
 * one-off `at` keeps its time.
 */
export function firstStartWrites(
  jobs: Iterable<StoredJob>,
  slots: JobSlotsCache,
  now: number,
  graceMs: number,
): SchedulerWrite[] {
  const writes: SchedulerWrite[] = [];
  for (const job of jobs) {
    if (job.nextRunAt === undefined || job.nextRunAt >= now - graceMs) continue;
    if (job.definition.schedule.kind === 'at') continue;
    const nextRunAt = slots.get(job.definition.schedule).next(now - graceMs - 1);
    writes.push({ op: 'setNextRun', id: job.id, nextRunAt });
  }
  return writes;
}
