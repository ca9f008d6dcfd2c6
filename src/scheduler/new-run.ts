import type { JobConfig } from '../contracts/pyramid-config.ts';
import type { RunRecord, RunTrigger } from '../contracts/scheduler-store.ts';

/** A queued run of a job with nothing spent yet (`slotTime` for a scheduled slot); `extra` overrides any field. */
export function newRun(
  id: string,
  queuedAt: number,
  definition: JobConfig,
  trigger: RunTrigger,
  slotTime: number | undefined,
  extra: Partial<RunRecord> = {},
): RunRecord {
  return {
    id,
    jobId: definition.id,
    agentId: definition.agent,
    trigger,
    ...(slotTime === undefined ? {} : { slotTime }),
    attempt: 0,
    status: 'queued',
    queuedAt,
    noReply: false,
    tiers: [],
    models: [],
    escalations: [],
    costUsd: 0,
    usage: { input: 0, output: 0 },
    deliveryStatus: 'none',
    ...extra,
  };
}
