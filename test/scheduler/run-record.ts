import type { RunRecord, RunStatus } from '../../src/contracts/scheduler-store.ts';

/** A manual run of job `job` by agent `agent` as the store keeps it, for seeding a database in tests. */
export function runRecord(
  id: string,
  status: RunStatus,
  queuedAt: number,
  extra: Partial<RunRecord> = {},
): RunRecord {
  return {
    id,
    jobId: 'job',
    agentId: 'agent',
    trigger: 'manual',
    attempt: 1,
    status,
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
