import type { LedgerStore } from '../contracts/ledger-store.ts';
import type { PyramidConfig } from '../contracts/pyramid-config.ts';
import { cloudOnlyCost } from './cloud-only-cost.ts';
import type { Ledger } from './ledger.ts';
import { summarizeUsage } from './summarize-usage.ts';

export type LedgerOptions = {
  store: LedgerStore;
  /** Prices and tiers, for the cloud-only counterfactual. */
  config: Pick<PyramidConfig, 'models' | 'tiers'>;
};

/** The ledger over a store (SQLite now, PostgreSQL later); it holds no state of its own. */
export function createLedger({ store, config }: LedgerOptions): Ledger {
  return {
    async record(request, attempts) {
      const cloudOnly = cloudOnlyCost(config, request, attempts);
      await store.insert(
        { ...request, cloudOnlyCostUsd: cloudOnly.costUsd },
        attempts.map((attempt, index) => ({
          ...attempt,
          answered: index === cloudOnly.answeredIndex,
          cloudOnlyCostUsd: cloudOnly.perAttempt[index],
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
      };
    },

    async getRequest(requestId) {
      const stored = await store.get(requestId);
      return stored && { ...stored.request, attempts: stored.attempts };
    },
  };
}
