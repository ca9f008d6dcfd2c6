import type { DeliveryTarget } from '../spec/delivery.ts';
import type { RunRecord } from '../spec/scheduler-store.ts';
import type { Outbox } from './outbox.ts';

/**
 * The scheduler's RunOutputSink on the outbox: a finished run's output goes to its job's targets (or
 * its agent's). Runs without targets are left alone (their status stays as the scheduler set it).
 */
export function createRunDeliverySink(options: {
  outbox: Pick<Outbox, 'enqueueRunOutput'>;
  targetsFor(run: RunRecord): readonly DeliveryTarget[];
}) {
  return {
    accept(run: RunRecord): void {
      const targets = [...options.targetsFor(run)];
      if (targets.length === 0 || run.output === undefined) return;
      options.outbox.enqueueRunOutput({
        runId: run.id,
        jobId: run.jobId,
        agentId: run.agentId,
        text: run.output,
        targets,
        meta: {
          ...(run.tiers.length > 0 ? { tier: run.tiers[run.tiers.length - 1] } : {}),
          ...(run.models.length > 0 ? { model: run.models[run.models.length - 1] } : {}),
          costUsd: run.costUsd,
        },
      });
    },
  };
}
