import type { LedgerAttemptRow, LedgerGroupBy, LedgerRequestRow } from '../contracts/ledger-store.ts';
import type { RequestLedger, RequestRecord } from '../contracts/request-ledger.ts';
import type { Attempt } from '../contracts/trace.ts';
import type { Usage } from '../contracts/usage.ts';

/** A usage report's window and grouping; `untilMs` (exclusive) defaults to no end. */
export type UsageQuery = { sinceMs: number; untilMs?: number; by: LedgerGroupBy };

/** One group of a usage report (or its totals). Money in USD, unrounded; format with formatUsd. */
export type UsageRow = {
  /** The model, tier ("0"), resolved task, caller tag or UTC day; null for "none" (see README.md). */
  key: string | null;
  /** `model`/`tier`: requests this model or tier answered. Otherwise: requests in the group. */
  requests: number;
  /** `requests` as a fraction of every request in the window (0..1). */
  share: number;
  /** `model`/`tier`: every attempt on it. Otherwise: every attempt of the group's requests. */
  attempts: number;
  tokens: Usage;
  costUsd: number;
  cloudOnlyCostUsd: number;
  /** cloudOnlyCostUsd - costUsd (negative when the pyramid cost more). */
  savingsUsd: number;
  /** savingsUsd as a percentage (0..100) of cloudOnlyCostUsd; 0 when that is 0. */
  savingsPct: number;
};

export type UsageReport = {
  by: LedgerGroupBy;
  sinceMs: number;
  untilMs?: number;
  rows: UsageRow[];
  /** Over every request in the window: `share` 1 (0 when empty). */
  totals: UsageRow;
};

/** A stored request with its attempts in order (`/api/requests/:id`). */
export type RequestDetail = LedgerRequestRow & { attempts: LedgerAttemptRow[] };

/** The request ledger: the router's RequestLedger plus reports over what it recorded. */
export interface Ledger extends RequestLedger {
  record(request: RequestRecord, attempts: Attempt[]): Promise<void>;
  spentSince(sinceMs: number, callerTag?: string): Promise<number>;
  usage(query: UsageQuery): Promise<UsageReport>;
  getRequest(requestId: string): Promise<RequestDetail | undefined>;
  /**
   * Requests whose rows the store could not write yet (a full disk, a held lock): kept in memory and
   * written again until the store takes them. Their cost counts in `spentSince`, so spend caps see it.
   */
  unrecorded(): { requests: number; costUsd: number };
}
