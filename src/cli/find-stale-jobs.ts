import { defineJob, type JobNames } from '../config/define-job.ts';
import { ConfigError } from '../contracts/errors/config-error.ts';
import type { JobView } from '../scheduler/scheduler.ts';
import { jobToRaw } from './commands/job-options.ts';

/** An added job that no longer fits the config (its agent or a deliver channel was removed from the file). */
export type StaleJob = { id: string; problems: string[] };

/**
 * Added jobs (CLI, HTTP) checked again against the current config: they were valid when added, but
 * the file may have dropped their agent or a channel since. Config jobs are checked by the loader.
 */
export function findStaleJobs(jobs: readonly JobView[], names: JobNames): StaleJob[] {
  const stale: StaleJob[] = [];
  for (const job of jobs) {
    if (job.source === 'config') continue;
    try {
      // A schedule more frequent than scheduler.minInterval is not stale: the scheduler holds the job to
      // the minimum and warns about it itself (throttleAdvice).
      defineJob(jobToRaw(job.definition), { ...names, minIntervalMs: 0 });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      stale.push({ id: job.id, problems: error.issues.map((issue) => `${issue.path}: ${issue.message}`) });
    }
  }
  return stale;
}
