import type { RunRecord } from '../contracts/scheduler-store.ts';

/**
 * Where a finished run's output goes (the delivery outbox plugs in here). `accept` is called once per
 * run that ended `ok` with output other than NO_REPLY, after the run is committed with
 * `deliveryStatus: 'pending'`; the sink owns the status from then on.
 */
export interface RunOutputSink {
  accept(run: RunRecord): void | Promise<void>;
}
