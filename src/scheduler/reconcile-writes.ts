import type { JobConfig } from '../contracts/pyramid-config.ts';
import type { SchedulerWrite, StoredJob } from '../contracts/scheduler-store.ts';
import { firstSlot } from './first-slot.ts';
import { isJobEnabled } from './is-job-enabled.ts';
import type { JobSlotsCache } from './job-slots-cache.ts';
import { nextRunField } from './next-run-field.ts';
import { resumeSlot } from './resume-slot.ts';

/**
 * The writes that bring stored config jobs (`jobs`, as stored) in line with the config file's
 * (`configured`): added, changed (the next slot kept when the schedule is), removed.
 */
export function reconcileWrites(
  configured: Record<string, JobConfig>,
  jobs: StoredJob[],
  slots: JobSlotsCache,
  now: number,
): SchedulerWrite[] {
  const writes: SchedulerWrite[] = [];
  const stored = new Map(jobs.map((job) => [job.id, job]));
  for (const job of stored.values()) {
    if (job.source === 'config' && !(job.id in configured)) writes.push({ op: 'deleteJob', id: job.id });
  }
  for (const definition of Object.values(configured)) {
    const existing = stored.get(definition.id);
    if (
      existing &&
      existing.source === 'config' &&
      JSON.stringify(existing.definition) === JSON.stringify(definition)
    ) {
      continue;
    }
    const sameSchedule =
      existing && JSON.stringify(existing.definition.schedule) === JSON.stringify(definition.schedule);
    const enabledNow =
      existing !== undefined && !isJobEnabled(existing) && (existing.enabledOverride ?? definition.enabled);
    const nextRunAt = !sameSchedule
      ? firstSlot(definition, slots, now)
      : enabledNow
        ? resumeSlot(definition, existing.nextRunAt, slots, now)
        : existing?.nextRunAt;
    writes.push({
      op: 'putJob',
      job: {
        id: definition.id,
        source: 'config',
        definition,
        ...(existing?.enabledOverride === undefined ? {} : { enabledOverride: existing.enabledOverride }),
        ...nextRunField(nextRunAt),
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      },
    });
  }
  return writes;
}
