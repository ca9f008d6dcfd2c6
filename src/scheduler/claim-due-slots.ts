import type { JobConfig } from '../contracts/pyramid-config.ts';
import type { RunRecord, RunTrigger, SchedulerStore, StoredJob } from '../contracts/scheduler-store.ts';
import { decideSlot } from './decide-slot.ts';
import type { JobSlotsCache } from './job-slots-cache.ts';

export type ClaimDueSlotsDeps = {
  store: SchedulerStore;
  slots: JobSlotsCache;
  /** scheduler.minInterval (0 without one). */
  minIntervalMs: number;
  graceMs: number;
  /** A run of the job is queued, running or waiting to retry (overlap decisions). */
  busy: (jobId: string) => boolean;
  newRun: (
    definition: JobConfig,
    trigger: RunTrigger,
    slotTime: number,
    extra: Partial<RunRecord>,
  ) => RunRecord;
};

/**
 * Claims the latest due slot of each job (older missed ones collapse into it) and moves its next slot,
 * all in one commit; a missed slot of a `catchUp: skip` job only moves its next slot. Each job's
 * `nextRunAt` moves in memory once the store has it. Returns the claimed runs to queue, in job order
 * (not those recorded as skipped for overlap, nor slots another process claimed first).
 */
export async function claimDueSlots(
  jobs: StoredJob[],
  now: number,
  deps: ClaimDueSlotsDeps,
): Promise<RunRecord[]> {
  const claims: { job: StoredJob; run: RunRecord; nextRunAt: number | undefined; skip: boolean }[] = [];
  const skipped: { job: StoredJob; nextRunAt: number | undefined }[] = [];
  for (const job of jobs) {
    const decision = decideSlot(job, now, {
      slots: deps.slots.get(job.definition.schedule),
      minIntervalMs: deps.minIntervalMs,
      graceMs: deps.graceMs,
      busy: deps.busy(job.id),
    });
    if (decision.kind === 'move') {
      skipped.push({ job, nextRunAt: decision.nextRunAt });
      continue;
    }
    const { skip, nextRunAt } = decision;
    const run = deps.newRun(
      job.definition,
      decision.trigger,
      decision.slotTime,
      skip
        ? {
            status: 'skipped',
            finishedAt: now,
            error: 'overlap: the previous run was still queued or running',
          }
        : {},
    );
    claims.push({ job, run, nextRunAt, skip });
  }
  if (skipped.length > 0) {
    await deps.store.batch(
      skipped.map(({ job, nextRunAt }) => ({ op: 'setNextRun' as const, id: job.id, nextRunAt })),
    );
    for (const { job, nextRunAt } of skipped) job.nextRunAt = nextRunAt;
  }
  if (claims.length === 0) return [];
  const claimed = await deps.store.claimSlots(claims.map(({ run, nextRunAt }) => ({ run, nextRunAt })));
  // Moved only once the store has it: after a failed claim the next tick tries the same slots again.
  const queued: RunRecord[] = [];
  for (const [index, { job, run, nextRunAt, skip }] of claims.entries()) {
    job.nextRunAt = nextRunAt;
    if (claimed[index] && !skip) queued.push(run);
  }
  return queued;
}
