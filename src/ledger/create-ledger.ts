import { isTransientStoreError } from '../contracts/errors/store-error.ts';
import type { LedgerAttemptRow, LedgerRequestRow, LedgerStore } from '../contracts/ledger-store.ts';
import { cloudOnlyCost } from './cloud-only-cost.ts';
import type { Ledger } from './ledger.ts';
import { type BaselineConfig, requestBaselines } from './request-baselines.ts';
import { summarizeUsage } from './summarize-usage.ts';

export type LedgerOptions = {
  store: LedgerStore;
  /** Prices, tiers and tasks, for the counterfactuals (baselines). */
  config: BaselineConfig;
  /** The first retry of rows the store refused waits this long, doubling to 60 s (default 1 s). */
  retryDelayMs?: number;
};

type Unwritten = { request: LedgerRequestRow; attempts: LedgerAttemptRow[] };

/**
 * The ledger over a store (SQLite or PostgreSQL). Its only state is the rows a store failure that ends
 * by itself (a full disk, a held lock) kept it from writing: the caller is told (the request fails with
 * the store's error), the rows are written again until the store takes them, and their cost counts
 * toward spend caps meanwhile, since the money was spent. A kill while rows wait loses those rows.
 */
export function createLedger({ store, config, retryDelayMs = 1000 }: LedgerOptions): Ledger {
  const unwritten = new Map<string, Unwritten>();
  let retryTimer: NodeJS.Timeout | undefined;
  let failuresInARow = 0;
  const writeAgain = async () => {
    retryTimer = undefined;
    for (const [id, rows] of unwritten) {
      try {
        await store.insert(rows.request, rows.attempts);
        unwritten.delete(id);
        failuresInARow = 0;
      } catch (error) {
        if (!isTransientStoreError(error)) unwritten.delete(id);
        else {
          failuresInARow++;
          break;
        }
      }
    }
    scheduleRetry();
  };
  const scheduleRetry = () => {
    if (retryTimer || unwritten.size === 0) return;
    retryTimer = setTimeout(writeAgain, Math.min(retryDelayMs * 2 ** failuresInARow, 60_000));
    retryTimer.unref();
  };
  return {
    async record(request, attempts) {
      const cloudOnly = cloudOnlyCost(config, request, attempts);
      const { perAttempt, ...baselines } = requestBaselines(config, request, attempts);
      const rows: Unwritten = {
        request: { ...request, cloudOnlyCostUsd: cloudOnly.costUsd, ...baselines },
        attempts: attempts.map((attempt, index) => ({
          ...attempt,
          answered: index === cloudOnly.answeredIndex,
          cloudOnlyCostUsd: cloudOnly.perAttempt[index],
          topTierCostUsd: perAttempt.topTierCostUsd[index],
          cheapestCloudCostUsd: perAttempt.cheapestCloudCostUsd[index],
        })),
      };
      try {
        await store.insert(rows.request, rows.attempts);
      } catch (error) {
        if (isTransientStoreError(error)) {
          unwritten.set(request.requestId, rows);
          scheduleRetry();
        }
        throw error;
      }
    },

    async spentSince(sinceMs, callerTag) {
      let waiting = 0;
      for (const { request } of unwritten.values()) {
        if (request.startedAt >= sinceMs && (callerTag === undefined || request.callerTag === callerTag))
          waiting += request.costUsd;
      }
      return (await store.sumCost(sinceMs, callerTag)) + waiting;
    },

    unrecorded() {
      let costUsd = 0;
      for (const { request } of unwritten.values()) costUsd += request.costUsd;
      return { requests: unwritten.size, costUsd };
    },

    async usage({ sinceMs, untilMs, by }) {
      const { groups, totals } = await store.aggregate({ sinceMs, untilMs }, by);
      return {
        by,
        sinceMs,
        ...(untilMs !== undefined && { untilMs }),
        ...summarizeUsage(by, groups, totals),
        topTierModel: config.tiers.at(-1)?.[0] ?? null,
      };
    },

    async getRequest(requestId) {
      const stored = await store.get(requestId);
      return stored && { ...stored.request, attempts: stored.attempts };
    },
  };
}
