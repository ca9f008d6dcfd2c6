import type { DeliveryTarget } from '../contracts/delivery.ts';
import type { JobConfig } from '../contracts/pyramid-config.ts';
import type { RunRecord, SchedulerStore } from '../contracts/scheduler-store.ts';
import type { Outbox, OutboxEvent } from './outbox.ts';

/** The scheduler's side of delivery: where run output goes, and how a run learns its delivery status. */
export type RunDeliverySink = {
  /** The scheduler's RunOutputSink: queues a finished run's output for its targets. */
  accept(run: RunRecord): Promise<void>;
  /** RunOutputSink.delivers: false when neither the job nor its agent has a target. */
  delivers?(run: RunRecord, job: JobConfig): boolean;
  /** For the outbox's onEvent: a delivery that became final settles its run's status. */
  onOutboxEvent(event: OutboxEvent): Promise<void>;
  /**
   * After a crash: finished runs whose delivery status is still `pending` are settled from their
   * deliveries, and a run whose output never reached the outbox (the crash came between the two) is
   * handed to it now. Returns how many runs' output was queued again. Call it before the scheduler
   * starts, so that no run is finishing while it looks.
   */
  recover(): Promise<number>;
};

/**
 * The scheduler's RunOutputSink on the outbox: a finished run's output goes to its job's targets (or
 * its agent's). The run's stored delivery status follows its deliveries: `none` when it had no
 * targets, then delivered / failed / partial once every delivery is final.
 */
export function createRunDeliverySink(options: {
  outbox: Pick<Outbox, 'enqueueRunOutput' | 'runStatus' | 'list'>;
  store: Pick<SchedulerStore, 'setDeliveryStatus' | 'runsAwaitingDelivery'>;
  targetsFor(run: RunRecord): Promise<readonly DeliveryTarget[]>;
  /** The targets of a run of `job` as the scheduler knows the job, without a store read (see delivers). */
  targetsOf?(run: RunRecord, job: JobConfig): readonly DeliveryTarget[];
}): RunDeliverySink {
  const { outbox, store } = options;
  const settle = async (runId: string) => {
    const status = await outbox.runStatus(runId);
    if (status !== 'pending') await store.setDeliveryStatus(runId, status);
  };
  const queued = async (runId: string) => (await outbox.list({ runId, limit: 1 })).length > 0;
  const accept = async (run: RunRecord) => {
    const targets = [...(await options.targetsFor(run))];
    if (targets.length > 0 && run.output !== undefined) {
      await outbox.enqueueRunOutput({
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
    }
    await settle(run.id);
  };
  const targetsOf = options.targetsOf;
  return {
    accept,
    ...(targetsOf ? { delivers: (run: RunRecord, job: JobConfig) => targetsOf(run, job).length > 0 } : {}),
    async onOutboxEvent(event) {
      if (event.type !== 'retrying' && event.delivery.runId) await settle(event.delivery.runId);
    },
    async recover() {
      let requeued = 0;
      for (const run of await store.runsAwaitingDelivery()) {
        if (await queued(run.id)) {
          await settle(run.id);
          continue;
        }
        await accept(run);
        if (await queued(run.id)) requeued++;
      }
      return requeued;
    },
  };
}
