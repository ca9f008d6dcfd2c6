import type { LedgerGroupBy, LedgerSums } from '../contracts/ledger-store.ts';
import type { UsageBaseline, UsageRow } from './ledger.ts';

/**
 * Turns a store's sums into report rows: shares, savings, a stable order, and for `model`/`tier`
 * one `key: null` row counting the requests no model answered (failed ones), so shares sum to 1.
 * Every column of the rows sums to the totals.
 */
export function summarizeUsage(
  by: LedgerGroupBy,
  groups: LedgerSums[],
  totals: LedgerSums,
): { rows: UsageRow[]; totals: UsageRow; requestsWithoutBaselines: number } {
  const sums = [...groups];
  if (by === 'model' || by === 'tier') {
    const answered = sums.reduce((count, group) => count + group.requests, 0);
    if (totals.requests > answered) sums.push({ ...emptySums(), requests: totals.requests - answered });
  }
  const toRow = (group: LedgerSums) => usageRow(group, totals);
  return {
    rows: sums.sort(compareFor(by)).map(toRow),
    totals: toRow(totals),
    requestsWithoutBaselines: totals.requests - totals.baselineCount,
  };
}

function baseline(costUsd: number | null, actualCostUsd: number): UsageBaseline {
  if (costUsd === null) return { costUsd, actualCostUsd, savingsUsd: null, savingsPct: null };
  const savingsUsd = costUsd - actualCostUsd;
  return { costUsd, actualCostUsd, savingsUsd, savingsPct: costUsd > 0 ? (savingsUsd / costUsd) * 100 : 0 };
}

function usageRow(sums: LedgerSums, totals: LedgerSums): UsageRow {
  const totalRequests = totals.requests;
  const savingsUsd = sums.cloudOnlyCostUsd - sums.costUsd;
  // Nothing in the row was recorded with the newer baselines: say so (null), never a made-up zero.
  // A row that holds no attempt and no cost (the failed requests' row of model/tier) has nothing to price.
  const unknown = sums.baselineCount === 0 && (sums.attempts > 0 || sums.costUsd > 0);
  return {
    key: sums.key,
    requests: sums.requests,
    share: totalRequests > 0 ? sums.requests / totalRequests : 0,
    attempts: sums.attempts,
    tokens: {
      input: sums.input,
      output: sums.output,
      reasoning: sums.reasoning,
      cachedInput: sums.cachedInput,
    },
    costUsd: sums.costUsd,
    cloudOnlyCostUsd: sums.cloudOnlyCostUsd,
    savingsUsd,
    savingsPct: sums.cloudOnlyCostUsd > 0 ? (savingsUsd / sums.cloudOnlyCostUsd) * 100 : 0,
    costShare: totals.costUsd > 0 ? sums.costUsd / totals.costUsd : 0,
    baselines: {
      withoutTier0: baseline(sums.cloudOnlyCostUsd, sums.costUsd),
      allOnTopTier: baseline(unknown ? null : sums.topTierCostUsd, sums.baselineActualCostUsd),
      cheapestCloud: baseline(unknown ? null : sums.cheapestCloudCostUsd, sums.baselineActualCostUsd),
    },
    climbed: {
      requests: sums.climbedRequests,
      costUsd: sums.climbedCostUsd,
      plannedCostUsd: sums.climbedPlannedCostUsd,
      extraCostUsd: sums.climbedCostUsd - sums.climbedPlannedCostUsd,
    },
  };
}

// Tiers in tier order and days in date order; the rest busiest first. A null key always comes last.
function compareFor(by: LedgerGroupBy): (a: LedgerSums, b: LedgerSums) => number {
  return (a, b) => {
    if (a.key === null || b.key === null) return (a.key === null ? 1 : 0) - (b.key === null ? 1 : 0);
    if (by === 'tier') return Number(a.key) - Number(b.key);
    if (by === 'day') return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
    return b.requests - a.requests || b.costUsd - a.costUsd || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  };
}

const emptySums = (): LedgerSums => ({
  key: null,
  requests: 0,
  attempts: 0,
  input: 0,
  output: 0,
  reasoning: 0,
  cachedInput: 0,
  costUsd: 0,
  cloudOnlyCostUsd: 0,
  baselineCount: 0,
  baselineActualCostUsd: 0,
  topTierCostUsd: 0,
  cheapestCloudCostUsd: 0,
  climbedRequests: 0,
  climbedCostUsd: 0,
  climbedPlannedCostUsd: 0,
});
