import { formatDuration, shortestCronGapMs } from '../config/schedule-limits.ts';
import type { JobSchedule } from '../contracts/pyramid-config.ts';

/** The shortest time between two runs a schedule asks for (its `every`, a cron's shortest gap; none for `at`). */
function shortestIntervalMs(schedule: JobSchedule): number | undefined {
  if (schedule.kind === 'every') return schedule.everyMs;
  return schedule.kind === 'cron' ? shortestCronGapMs(schedule.cron) : undefined;
}

/**
 * The interval the scheduler holds a job to when its schedule fires more often than `minIntervalMs` (a
 * job stored before the limit existed, or before it was raised), else undefined. Such a job runs at
 * most once per `minIntervalMs`.
 */
export function throttledInterval(
  schedule: JobSchedule,
  minIntervalMs: number | undefined,
): number | undefined {
  const shortest = shortestIntervalMs(schedule);
  return minIntervalMs !== undefined && shortest !== undefined && shortest < minIntervalMs
    ? minIntervalMs
    : undefined;
}

/** A throttled job's warning: what its schedule asks, how often it runs instead, and what to do. */
export function throttleAdvice(
  job: { id: string; source: 'config' | 'store'; schedule: JobSchedule },
  minIntervalMs: number,
): string {
  const limit = formatDuration(minIntervalMs);
  const asked = formatDuration(shortestIntervalMs(job.schedule) ?? 0);
  const fix =
    job.source === 'config'
      ? 'give it a longer schedule in pyramid.yaml'
      : `give it a longer schedule (pyramid jobs edit ${job.id} --every ${limit})`;
  return `job ${job.id} is scheduled every ${asked}, more often than scheduler.minInterval (${limit}): it runs at most every ${limit}; ${fix}, or lower scheduler.minInterval in pyramid.yaml if this is meant`;
}
