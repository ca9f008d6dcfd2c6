import type { StoredJob } from '../contracts/scheduler-store.ts';
import { isJobEnabled } from './is-job-enabled.ts';
import { jobView } from './job-view.ts';
import type { SchedulerEvent } from './scheduler-event.ts';
import { throttleAdvice, throttledInterval } from './throttled-interval.ts';

/** A `job-throttled` event for every enabled job whose schedule would run faster than scheduler.minInterval. */
export function throttledJobEvents(
  jobs: Iterable<StoredJob>,
  minIntervalMs: number | undefined,
): Extract<SchedulerEvent, { type: 'job-throttled' }>[] {
  if (minIntervalMs === undefined) return [];
  const events: Extract<SchedulerEvent, { type: 'job-throttled' }>[] = [];
  for (const job of jobs) {
    if (!isJobEnabled(job) || throttledInterval(job.definition.schedule, minIntervalMs) === undefined)
      continue;
    events.push({
      type: 'job-throttled',
      job: jobView(job, minIntervalMs),
      message: throttleAdvice({ ...job, schedule: job.definition.schedule }, minIntervalMs),
    });
  }
  return events;
}
