import type { ReasoningLevel } from './model-call.ts';
import type { Usage } from './usage.ts';

/**
 * - `ok`: the answer was accepted.
 * - `error`: the provider failed (the router moved on), or Pyramid itself failed before calling it
 *   (reason `internal_error`: the request ends, and no breaker counts it).
 * - `inadequate`: the provider answered but the answer was rejected (empty, truncated, invalid JSON);
 *   the router retried or escalated.
 *
 * Two outcomes are routing decisions, recorded beside the calls but not calls themselves (no tokens,
 * no cost): `waited` (the router waited `latencyMs` for a rate-limited or briefly failing model
 * instead of climbing a tier; `reason` says what it waited out) and `not_climbed` (a provider failure
 * would have pushed the request to this model, above its failover cap; `reason` names the cap).
 */
export type AttemptOutcome = 'ok' | 'error' | 'inadequate' | 'waited' | 'not_climbed';

/** Whether an attempt is a call to a model, as opposed to a routing decision (`waited`, `not_climbed`). */
export function isModelCall(attempt: Pick<Attempt, 'outcome'>): boolean {
  return attempt.outcome === 'ok' || attempt.outcome === 'error' || attempt.outcome === 'inadequate';
}

/** One call to one model, as recorded in the trace and the ledger. */
export type Attempt = {
  model: string;
  provider: string;
  tier: number;
  outcome: AttemptOutcome;
  /** Why the attempt did not succeed: an error code (`unreachable`, `timeout:first-token`) or an inadequacy (`empty_answer`). */
  reason?: string;
  /** The provider's error message, secrets removed. */
  detail?: string;
  startedAt: number;
  latencyMs: number;
  /** Streams only: time until the first visible or reasoning token. */
  ttftMs?: number;
  maxTokens?: number;
  usage: Usage;
  costUsd: number;
};

/** One candidate of the plan and whether it could be tried. */
export type PlanEntry = { model: string; provider: string; tier: number; available: boolean; note?: string };

/** Everything the router decided for one request, in order. */
export type Trace = {
  requestId: string;
  /** The task type asked for, and the one used (`default` when the asked one is unknown). */
  task: string;
  resolvedTask: string;
  callerTag?: string;
  reasoning?: ReasoningLevel;
  plan: PlanEntry[];
  attempts: Attempt[];
  /** Decisions worth knowing: unknown task, raised token budget, skipped open breaker, budget cap. */
  notes: string[];
  startedAt: number;
};
