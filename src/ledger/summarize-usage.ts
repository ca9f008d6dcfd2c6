import type { LedgerGroupBy, LedgerSums } from '../contracts/ledger-store.ts';
import type { UsageRow } from './ledger.ts';

/**
 * Turns a store's sums into report rows: shares, savings, a stable order, and for `model`/`tier`
 * one `key: null` row counting the requests no model answered (failed ones), so shares sum to 1.
 * Every column of the rows sums to the totals.
 */
export function summarizeUsage(
  by: LedgerGroupBy,
  groups: LedgerSums[],
  totals: LedgerSums,
): { rows: UsageRow[]; totals: UsageRow } {
  const sums = [...groups];
  if (by === 'model' || by === 'tier') {
    const answered = sums.reduce((count, group) => count + group.requests, 0);
    if (totals.requests > answered) sums.push({ ...emptySums(), requests: totals.requests - answered });
  }
  const toRow = (group: LedgerSums) => usageRow(group, totals.requests);
  return { rows: sums.sort(compareFor(by)).map(toRow), totals: toRow(totals) };
}

function usageRow(sums: LedgerSums, totalRequests: number): UsageRow {
  const savingsUsd = sums.cloudOnlyCostUsd - sums.costUsd;
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
});
