import type { DashboardStore } from '../contracts/dashboard-store.ts';
import type { DeliveryRecord } from '../contracts/delivery.ts';
import type { ConfigIssue } from '../contracts/errors/config-error.ts';
import type { PyramidConfig } from '../contracts/pyramid-config.ts';
import type { RequestRecord } from '../contracts/request-ledger.ts';
import type { RunRecord } from '../contracts/scheduler-store.ts';
import type { Attempt } from '../contracts/trace.ts';

/** What the dashboard needs of the running platform (`pyramid start`'s Platform has all of it). */
export type DashboardPlatform = {
  readonly config: PyramidConfig;
  readonly warnings: ConfigIssue[];
  configFile: string;
  dashboard: DashboardStore;
  ledger: { spentSince(sinceMs: number, callerTag?: string): Promise<number> };
  outbox: { retry(id: string): Promise<DeliveryRecord> };
  onRequestRecorded(listener: (request: RequestRecord, attempts: readonly Attempt[]) => void): () => void;
  onDeliveryEvent(listener: (event: { type: string; delivery: DeliveryRecord }) => void): () => void;
};

/** What the dashboard needs of the running scheduler. */
export type DashboardScheduler = {
  stats(): { running: number; queued: number; retryWaiting: number };
  listRuns(filter?: { limit?: number }): Promise<RunRecord[]>;
  setEnabled(id: string, enabled: boolean): Promise<unknown>;
};
