import type { JobConfig } from '../contracts/pyramid-config.ts';
import type { RunRecord } from '../contracts/scheduler-store.ts';
import { mainSessionId } from '../sessions/session-ids.ts';

/**
 * What a run holds while it runs: its job (one run per job at a time) and, for a main-session job
 * (`definition`: the job's, when it still exists), the agent's main session, so that two turns (or a
 * system event and a turn) never interleave in it.
 */
export function exclusiveKeys(run: RunRecord, definition: JobConfig | undefined): string[] {
  return definition?.session === 'main'
    ? [`job\u0000${run.jobId}`, `session\u0000${mainSessionId(definition.agent)}`]
    : [`job\u0000${run.jobId}`];
}
