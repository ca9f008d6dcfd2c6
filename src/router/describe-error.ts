import { ProviderError } from '../contracts/errors/provider-error.ts';
import { RateLimitedError } from '../contracts/errors/rate-limited-error.ts';
import { TimeoutError } from '../contracts/errors/timeout-error.ts';
import { UnreachableError } from '../contracts/errors/unreachable-error.ts';

/** How a failed attempt is recorded and what it does to the model's breaker. */
export type FailureVerdict = {
  /** For the trace and ledger: `unreachable`, `timeout:first-token`, `server_error:503`. */
  reason: string;
  detail: string;
  /** Counts against the model's breaker. */
  countsAgainstModel: boolean;
  opensImmediately: boolean;
  minCooldownMs?: number;
};

/** Turns whatever an adapter threw into a verdict, branching on error classes only. */
export function describeError(error: unknown): FailureVerdict {
  if (error instanceof ProviderError) {
    let reason = error.code;
    if (error instanceof TimeoutError) reason = `timeout:${error.phase}`;
    else if (error.statusCode !== undefined) reason = `${error.code}:${error.statusCode}`;
    return {
      reason,
      detail: error.message,
      countsAgainstModel: error.retryable,
      opensImmediately: error instanceof UnreachableError,
      minCooldownMs: error instanceof RateLimitedError ? error.retryAfterMs : undefined,
    };
  }
  // Not a classified provider failure: an adapter bug or an unexpected library error. Fail over, and
  // count it, so a model that always breaks this way is taken out of rotation.
  return {
    reason: 'unexpected_error',
    detail: error instanceof Error ? error.message : String(error),
    countsAgainstModel: true,
    opensImmediately: false,
  };
}
