import type { LedgerStore } from '../contracts/ledger-store.ts';
import { cloudOnlyCost } from './cloud-only-cost.ts';
import type { Ledger } from './ledger.ts';
import { type BaselineConfig, requestBaselines } from './request-baselines.ts';
import { summarizeUsage } from './summarize-usage.ts';

export type LedgerOptions = {
  store: LedgerStore;
  /** Prices, tiers and tasks, for the counterfactuals (baselines). */
  config: BaselineConfig;
};

/** The ledger over a store (SQLite now, PostgreSQL later); it holds no state of its own. */
export function createLedger({ store, config }: LedgerOptions): Ledger {
  return {
    async record(request, attempts) {
      const cloudOnly = cloudOnlyCost(config, request, attempts);
      const { perAttempt, ...baselines } = requestBaselines(config, request, attempts);
      await store.insert(
        { ...request, cloudOnlyCostUsd: cloudOnly.costUsd, ...baselines },
        attempts.map((attempt, index) => ({
          ...attempt,
          answered: index === cloudOnly.answeredIndex,
          cloudOnlyCostUsd: cloudOnly.perAttempt[index],
          topTierCostUsd: perAttempt.topTierCostUsd[index],
          cheapestCloudCostUsd: perAttempt.cheapestCloudCostUsd[index],
        })),
      );
    },

    async spentSince(sinceMs, callerTag) {
      return store.sumCost(sinceMs, callerTag);
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
