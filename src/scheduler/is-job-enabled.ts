import type { StoredJob } from '../contracts/scheduler-store.ts';

/** Whether a job runs: its stored switch (`jobs enable`/`disable`) wins over its definition. */
export function isJobEnabled(job: StoredJob): boolean {
  return job.enabledOverride ?? job.definition.enabled;
}
