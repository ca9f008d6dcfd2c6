export { formatUsd } from '../contracts/format-usd.ts';
export { attemptCost } from './attempt-cost.ts';
export { type CloudOnlyCost, cloudOnlyCost } from './cloud-only-cost.ts';
export { createLedger, type LedgerOptions } from './create-ledger.ts';
export type {
  Ledger,
  RequestDetail,
  UsageBaseline,
  UsageBaselines,
  UsageClimbs,
  UsageQuery,
  UsageReport,
  UsageRow,
} from './ledger.ts';
export { parseSince } from './parse-since.ts';
export { type BaselineConfig, type RequestBaselineCosts, requestBaselines } from './request-baselines.ts';
export { summarizeUsage } from './summarize-usage.ts';
