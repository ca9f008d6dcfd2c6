import type { RunTrigger, StoredJob } from '../contracts/scheduler-store.ts';
import type { JobSlots } from './job-slots.ts';

/**
 * What a tick does with a due job. `move`: a missed slot of a `catchUp: skip` job only moves its next
 * slot. `claim`: its latest due slot (older missed ones collapse into it) becomes a run, recorded as
 * skipped when `skip` (overlap: skip while a run of the job is still active), and its next slot moves.
 */
export type SlotDecision =
  | { kind: 'move'; nextRunAt: number | undefined }
  | { kind: 'claim'; slotTime: number; trigger: RunTrigger; nextRunAt: number | undefined; skip: boolean };

/** Decides what a tick at `now` does with a due job (see SlotDecision); `busy`: a run of it is queued, running or waiting to retry. */
export function decideSlot(
  job: StoredJob,
  now: number,
  context: { slots: JobSlots; minIntervalMs: number; graceMs: number; busy: boolean },
): SlotDecision {
  const latest = context.slots.latest(now) ?? (job.nextRunAt as number);
  // Never sooner than scheduler.minInterval after this slot, whatever a job stored before the limit
  // (or before it was raised) asks for; a schedule within the limit is not changed by this.
  const next = context.slots.next(Math.max(latest, latest + context.minIntervalMs - 1, now));
  const onTime = latest >= now - context.graceMs;
  if (!onTime && job.definition.catchUp === 'skip') return { kind: 'move', nextRunAt: next };
  return {
    kind: 'claim',
    slotTime: latest,
    trigger: onTime ? 'schedule' : 'catch-up',
    nextRunAt: next,
    skip: context.busy && job.definition.overlap === 'skip',
  };
}
