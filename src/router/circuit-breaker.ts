import type { BreakerConfig } from '../spec/pyramid-config.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What the breaker knows about one model, for traces, `route explain` and `/api/health`. */
export type BreakerSnapshot = {
  state: BreakerState;
  consecutiveFailures: number;
  /** When an open breaker lets one probe through (ms since epoch). */
  retryAt?: number;
  cooldownMs: number;
  lastFailureAt?: number;
  lastFailureReason?: string;
};

/**
 * A circuit breaker for one model. Closed: calls go through. Open: calls are skipped without a
 * network call until `retryAt`. Half-open: exactly one probe call goes through; success closes the
 * breaker, failure reopens it with a doubled cool-down (capped).
 */
export class CircuitBreaker {
  readonly #config: BreakerConfig;
  readonly #onChange?: (state: 'open' | 'closed', lastFailureReason?: string) => void;
  #state: BreakerState = 'closed';
  #failures = 0;
  #cooldownMs: number;
  #retryAt = 0;
  #probeInFlight = false;
  #lastFailureAt?: number;
  #lastFailureReason?: string;

  /** `onChange` hears when the breaker opens from closed, and when it closes again (for alerts). */
  constructor(
    config: BreakerConfig,
    onChange?: (state: 'open' | 'closed', lastFailureReason?: string) => void,
  ) {
    this.#config = config;
    this.#cooldownMs = config.cooldownMs;
    this.#onChange = onChange;
  }

  /** Whether a call may go out now; in half-open state this claims the single probe slot. */
  tryAcquire(now: number): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open' && now >= this.#retryAt) this.#state = 'half-open';
    if (this.#state === 'half-open' && !this.#probeInFlight) {
      this.#probeInFlight = true;
      return true;
    }
    return false;
  }

  /** A call is made even though the breaker is open (every candidate was open). */
  forceAcquire(): void {
    if (this.#state !== 'closed') {
      this.#state = 'half-open';
      this.#probeInFlight = true;
    }
  }

  /** A call finished without a failure that counts against the model. */
  recordSuccess(): void {
    const wasClosed = this.#state === 'closed';
    this.#state = 'closed';
    this.#failures = 0;
    this.#probeInFlight = false;
    this.#cooldownMs = this.#config.cooldownMs;
    if (!wasClosed) this.#onChange?.('closed', this.#lastFailureReason);
  }

  /**
   * A retryable failure. `immediate` opens the breaker at once (unreachable); `minCooldownMs` keeps it
   * open at least that long (a 429's Retry-After).
   */
  recordFailure(
    now: number,
    reason: string,
    options: { immediate?: boolean; minCooldownMs?: number } = {},
  ): void {
    this.#failures += 1;
    this.#lastFailureAt = now;
    this.#lastFailureReason = reason;
    const wasProbe = this.#state === 'half-open';
    this.#probeInFlight = false;
    const shouldOpen = wasProbe || options.immediate || this.#failures >= this.#config.failureThreshold;
    if (!shouldOpen) return;
    if (wasProbe || this.#state === 'open') {
      this.#cooldownMs = Math.min(this.#cooldownMs * 2, this.#config.maxCooldownMs);
    }
    const cooldown = Math.min(
      Math.max(this.#cooldownMs, options.minCooldownMs ?? 0),
      this.#config.maxCooldownMs,
    );
    const wasClosed = this.#state === 'closed';
    this.#state = 'open';
    this.#retryAt = now + cooldown;
    if (wasClosed) this.#onChange?.('open', reason);
  }

  /** A call ended without telling anything about the model's health (aborted, bad request): free the probe slot. */
  release(): void {
    this.#probeInFlight = false;
  }

  snapshot(now: number): BreakerSnapshot {
    const state =
      this.#state === 'open' && now >= this.#retryAt && !this.#probeInFlight ? 'half-open' : this.#state;
    return {
      state,
      consecutiveFailures: this.#failures,
      retryAt: this.#state === 'closed' ? undefined : this.#retryAt,
      cooldownMs: this.#cooldownMs,
      lastFailureAt: this.#lastFailureAt,
      lastFailureReason: this.#lastFailureReason,
    };
  }
}
