import type { JobConfig } from '../contracts/pyramid-config.ts';
import { outputFormatToRaw } from './output-format-schema.ts';

/** A resolved job back in its YAML shape, so an edit can change some fields and be validated whole. */
export function jobToRaw(job: JobConfig): Record<string, unknown> {
  const schedule = job.schedule;
  return {
    id: job.id,
    agent: job.agent,
    schedule:
      schedule.kind === 'cron'
        ? { cron: schedule.cron, ...(schedule.tz ? { tz: schedule.tz } : {}) }
        : schedule.kind === 'every'
          ? { every: schedule.everyMs }
          : { at: new Date(schedule.atMs).toISOString() },
    payload: { ...job.payload },
    session: job.session,
    timeout: job.timeoutMs,
    retries: job.retries,
    backoff: job.backoffMs,
    overlap: job.overlap,
    catchUp: job.catchUp,
    enabled: job.enabled,
    deliver: [...job.deliver],
    ...(job.output ? { output: outputFormatToRaw(job.output) } : {}),
  };
}
