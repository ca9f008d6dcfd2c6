import type { RequestRecord } from './request-ledger.ts';
import type { Attempt } from './trace.ts';

/**
 * What a request would have cost another way (see src/ledger/README.md), kept since the ledger's
 * migration 0008; a request recorded before it has none of these (undefined), never a made-up zero.
 */
export type RequestBaselines = {
  /** Everything on the top tier: the answer's tokens on the last tier's first model. */
  topTierCostUsd: number;
  /** Everything on the cheapest cloud model the request's tier allows (tiers from max(start tier, 1) up). */
  cheapestCloudCostUsd: number;
  /**
   * Set when the request was answered above the tier it was headed for because the models there failed
   * (or were skipped: breaker open, unavailable), not because an answer was inadequate: that tier.
   */
  climbedFromTier?: number;
  /** With `climbedFromTier`: what the request would have cost answered there. */
  climbPlannedCostUsd?: number;
};

/**
 * A request as stored: the router's record plus what the ledger derived from it.
 * `cloudOnlyCostUsd` is what the request would have cost had tier 0 not existed (see src/ledger/README.md).
 */
export type LedgerRequestRow = RequestRecord & { cloudOnlyCostUsd: number } & Partial<RequestBaselines>;

/**
 * An attempt as stored. `answered` marks the one attempt whose answer the request returned;
 * `cloudOnlyCostUsd` is this attempt's share of the request's counterfactual, so the shares of a
 * request's attempts sum to the request's `cloudOnlyCostUsd`; likewise `topTierCostUsd` and
 * `cheapestCloudCostUsd` (undefined on attempts recorded before they were kept).
 */
export type LedgerAttemptRow = Attempt & {
  answered: boolean;
  cloudOnlyCostUsd: number;
  topTierCostUsd?: number;
  cheapestCloudCostUsd?: number;
};

/** The grouping keys of a usage report. `agent` is the caller tag; `day` is the UTC date (`2025-01-31`). */
export type LedgerGroupBy = 'model' | 'tier' | 'task' | 'agent' | 'day';

/** Requests whose `startedAt` is in `[sinceMs, untilMs)`; an attempt belongs to its request's window. */
export type LedgerWindow = { sinceMs: number; untilMs?: number };

/** Raw sums for one group (or for the whole window). Money in USD, unrounded. */
export type LedgerSums = {
  /** The group's key; null for requests without one (no caller tag). Tiers come back as strings ("0"). */
  key: string | null;
  /** `model`/`tier`: requests answered by this model or tier. Otherwise: requests in the group. */
  requests: number;
  /** `model`/`tier`: every attempt on it, failed ones included. Otherwise: every attempt of the group's requests. */
  attempts: number;
  input: number;
  output: number;
  reasoning: number;
  cachedInput: number;
  costUsd: number;
  cloudOnlyCostUsd: number;
  /** Requests (for `model`/`tier`: attempts) of the group recorded with baselines, and what they cost. */
  baselineCount: number;
  baselineActualCostUsd: number;
  /** Summed over those only. */
  topTierCostUsd: number;
  cheapestCloudCostUsd: number;
  /**
   * Requests that climbed because of provider failures (`model`/`tier`: those this model or tier
   * answered), their whole cost, and what they would have cost on the tier they were headed for.
   */
  climbedRequests: number;
  climbedCostUsd: number;
  climbedPlannedCostUsd: number;
};

/**
 * The ledger's persistence, kept narrow so that a PostgreSQL implementation is an added file.
 * For `model` and `tier`, rows group ATTEMPTS by the attempt's model or tier (tokens, cost and
 * cloud-only cost summed over the attempts); for `task` (the resolved task), `agent` and `day`,
 * rows group REQUESTS.
 */
export interface LedgerStore {
  /**
   * Writes the request and its attempts (in the given order) in one transaction, durable when it
   * returns. On any failure it throws and writes nothing. A request id already stored is a failure.
   */
  insert(request: LedgerRequestRow, attempts: LedgerAttemptRow[]): Promise<void>;
  /** Summed `costUsd` of requests started at or after `sinceMs`, over all callers or one caller tag. */
  sumCost(sinceMs: number, callerTag?: string): Promise<number>;
  /** One request with its attempts in recorded order, or undefined. */
  get(requestId: string): Promise<{ request: LedgerRequestRow; attempts: LedgerAttemptRow[] } | undefined>;
  /**
   * Sums per group over a window (in no particular order) and over every request in it (`key` null),
   * read from one consistent snapshot so the groups agree with the totals.
   */
  aggregate(window: LedgerWindow, by: LedgerGroupBy): Promise<{ groups: LedgerSums[]; totals: LedgerSums }>;
}
