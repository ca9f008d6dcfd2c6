import type { RunRecord } from '../contracts/scheduler-store.ts';

/**
 * Whether a stored run (`status`, `not_before`) is still queued as `run`, the copy a process means to
 * start, has it: a copy read before another process ran the run and queued it again for a retry has
 * the old `notBefore`, and starting it would skip the retry's backoff and count its attempt again.
 */
export function queuedAsGiven(row: Record<string, unknown> | undefined, run: RunRecord): boolean {
  if (row?.status !== 'queued') return false;
  const stored = row.not_before === null || row.not_before === undefined ? undefined : Number(row.not_before);
  return stored === (run.notBefore === undefined ? undefined : Math.round(run.notBefore));
}
