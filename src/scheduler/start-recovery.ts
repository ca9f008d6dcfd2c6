import type { JobConfig } from '../contracts/pyramid-config.ts';
import {
  processStoppedMessage,
  type RunRecord,
  type SchedulerWrite,
  type StoredJob,
} from '../contracts/scheduler-store.ts';

/**
 * What a start of the store's one process does with the runs a crash left active: every `running` run
 * becomes `interrupted` (`interrupted`, as it is after `writes`), and is retried once when its job has
 * retries. `writes` are one commit: a crash between marking a run interrupted and writing its retry
 * would lose the retry (the next start finds nothing running).
 */
export function startRecovery(
  active: RunRecord[],
  jobs: ReadonlyMap<string, StoredJob>,
  now: number,
  newRetry: (definition: JobConfig, retryOf: string) => RunRecord,
): { interrupted: RunRecord[]; writes: SchedulerWrite[] } {
  const interrupted = active
    .filter((run) => run.status === 'running')
    .map((run) => ({
      ...run,
      status: 'interrupted' as const,
      finishedAt: Math.round(now),
      error: processStoppedMessage,
    }));
  const retries: SchedulerWrite[] = [];
  for (const run of interrupted) {
    const job = jobs.get(run.jobId);
    if (job && job.definition.retries > 0 && run.trigger !== 'retry') {
      retries.push({ op: 'insertRun', run: newRetry(job.definition, run.id) });
    }
  }
  return { interrupted, writes: [{ op: 'interruptRunning', now }, ...retries] };
}
