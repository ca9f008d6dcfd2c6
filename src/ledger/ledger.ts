import type { LedgerAttemptRow, LedgerGroupBy, LedgerRequestRow } from '../contracts/ledger-store.ts';
import type { RequestLedger, RequestRecord } from '../contracts/request-ledger.ts';
import type { Attempt } from '../contracts/trace.ts';
import type { Usage } from '../contracts/usage.ts';

/** A usage report's window and grouping; `untilMs` (exclusive) defaults to no end. */
export type UsageQuery = { sinceMs: number; untilMs?: number; by: LedgerGroupBy };

/**
 * A counterfactual for a row: what its requests would have cost another way, against what they cost.
 * `costUsd` (and so the savings) is null when nothing in the row was recorded with this baseline
 * (requests from before it was kept); otherwise both costs cover only what was.
 */
export type UsageBaseline = {
  costUsd: number | null;
  actualCostUsd: number;
  /** costUsd - actualCostUsd (negative when the pyramid cost more). */
  savingsUsd: number | null;
  /** savingsUsd as a percentage (0..100) of costUsd; 0 when that is 0. */
  savingsPct: number | null;
};

/** The baselines an operator may mean by "cloud-only". */
export type UsageBaselines = {
  /** Tier-0 answers re-priced on tier 1's first model, the rest as they were (= cloudOnlyCostUsd). */
  withoutTier0: UsageBaseline;
  /** Every answer re-priced on the top tier's first model. */
  allOnTopTier: UsageBaseline;
  /** Every answer re-priced on the cheapest cloud model its request's tier allows. */
  cheapestCloud: UsageBaseline;
};

/**
 * Requests that climbed above the tier they were headed for because the models there failed (or were
 * skipped); for `model`/`tier`, those this model or tier answered. Counted only among requests
 * recorded with baselines.
 */
export type UsageClimbs = {
  requests: number;
  /** Their whole cost. */
  costUsd: number;
  /** What they would have cost answered on the tier they were headed for. */
  plannedCostUsd: number;
  /** costUsd - plannedCostUsd: what the provider failures cost. */
  extraCostUsd: number;
};

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
  /** costUsd as a fraction (0..1) of the window's cost; 0 when that is 0. */
  costShare: number;
  baselines: UsageBaselines;
  climbed: UsageClimbs;
};

export type UsageReport = {
  by: LedgerGroupBy;
  sinceMs: number;
  untilMs?: number;
  rows: UsageRow[];
  /** Over every request in the window: `share` 1 (0 when empty). */
  totals: UsageRow;
  /**
   * Requests in the window recorded before the top-tier and cheapest-cloud baselines and climbs were
   * kept (ledger migration 0008): those figures leave them out.
   */
  requestsWithoutBaselines: number;
  /** The model `allOnTopTier` prices on (the last tier's first), null without tiers. */
  topTierModel: string | null;
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
