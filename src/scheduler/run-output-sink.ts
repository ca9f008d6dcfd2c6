import type { JobConfig } from '../contracts/pyramid-config.ts';
import type { RunRecord } from '../contracts/scheduler-store.ts';

/**
 * Where a finished run's output goes (the delivery outbox plugs in here). `accept` is called once per
 * run that ended `ok` with output other than NO_REPLY, after the run is committed with
 * `deliveryStatus: 'pending'`; the sink owns the status from then on.
 */
export interface RunOutputSink {
  accept(run: RunRecord): void | Promise<void>;
  /**
   * Whether a finished run of `job` has anywhere to go (its job's or its agent's targets); false: the run
   * is recorded with deliveryStatus `none` and `accept` is not called, which saves the sink's store
   * reads and writes for every run of a job that delivers nothing. Without it every run is offered.
   */
  delivers?(run: RunRecord, job: JobConfig): boolean;
}
