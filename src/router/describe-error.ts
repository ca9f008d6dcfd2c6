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
  /** Pyramid's own failure, not the provider's: the request ends with a 500 and no breaker hears of it. */
  internal: boolean;
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
      internal: false,
    };
  }
  // Not a provider failure: the adapters turn everything the provider caused into a ProviderError, so
  // this is Pyramid's own (an InternalError for a request that could not be built, or a bug). Only a
  // failure the provider caused may count against its breaker or send the request elsewhere.
  return {
    reason: 'internal_error',
    detail: error instanceof Error ? error.message : String(error),
    countsAgainstModel: false,
    opensImmediately: false,
    internal: true,
  };
}
