import type { JobConfig } from '../contracts/pyramid-config.ts';
import type { StoredJob } from '../contracts/scheduler-store.ts';
import { isJobEnabled } from './is-job-enabled.ts';
import { throttledInterval } from './throttled-interval.ts';

/** A job as listings show it. */
export type JobView = {
  id: string;
  source: StoredJob['source'];
  enabled: boolean;
  nextRunAt?: number;
  /** Its schedule fires more often than scheduler.minInterval: it runs at most this often instead. */
  throttledToMs?: number;
  definition: JobConfig;
};

/** A stored job as listings show it, under the config's scheduler.minInterval (if any). */
export function jobView(job: StoredJob, minIntervalMs: number | undefined): JobView {
  const throttledToMs = throttledInterval(job.definition.schedule, minIntervalMs);
  return {
    id: job.id,
    source: job.source,
    enabled: isJobEnabled(job),
    ...(job.nextRunAt === undefined ? {} : { nextRunAt: job.nextRunAt }),
    ...(throttledToMs === undefined ? {} : { throttledToMs }),
    definition: job.definition,
  };
}
