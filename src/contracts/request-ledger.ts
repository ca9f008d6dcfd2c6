import type { Attempt } from './trace.ts';
import type { Usage } from './usage.ts';

/** One routed request as the ledger stores it, beside its attempts. */
export type RequestRecord = {
  requestId: string;
  task: string;
  resolvedTask: string;
  callerTag?: string;
  startedAt: number;
  finishedAt: number;
  outcome: 'ok' | 'error';
  /** The error code when `outcome` is `error` (`all_candidates_failed`, `budget_exceeded`, `aborted`). */
  errorCode?: string;
  /**
   * The tier the plan started at: the task's minimum tier, the tier asked for (`tier:<n>`, an agent's
   * escalation), or a pinned model's tier (-1 for a model in no tier). Undefined: the ledger falls back
   * to the task's configured tier.
   */
  startTier?: number;
  /** The model and tier that answered, when one did. */
  model?: string;
  tier?: number;
  /** Summed over every attempt. */
  usage: Usage;
  costUsd: number;
  /** The router's notes on the request (a model skipped and why, parameters dropped, a climb); none when empty. */
  notes?: string[];
};

/**
 * Where the router writes every request and attempt. `record` resolves only once the rows are
 * durable, so a crash after it never loses a completed request.
 */
export interface RequestLedger {
  record(request: RequestRecord, attempts: Attempt[]): void | Promise<void>;
  /** USD spent since a time (ms since epoch), over all callers or one caller tag; for spend caps. */
  spentSince(sinceMs: number, callerTag?: string): number | Promise<number>;
}
