import type { BreakerConfig } from '../contracts/pyramid-config.ts';

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
 * What `tryAcquire` granted: an ordinary call (the breaker was closed) or the single half-open probe.
 * The caller hands it back with the outcome, so that a call started before the breaker opened is not
 * taken for the probe.
 */
export type BreakerPermit = 'call' | 'probe';

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

  /** Whether a call may go out now (undefined: no); in half-open state this claims the single probe slot. */
  tryAcquire(now: number): BreakerPermit | undefined {
    if (this.#state === 'closed') return 'call';
    if (this.#state === 'open' && now >= this.#retryAt) this.#state = 'half-open';
    if (this.#state === 'half-open' && !this.#probeInFlight) {
      this.#probeInFlight = true;
      return 'probe';
    }
    return undefined;
  }

  /** A call is made even though the breaker is open (every candidate was open). */
  forceAcquire(): BreakerPermit {
    if (this.#state === 'closed') return 'call';
    this.#state = 'half-open';
    this.#probeInFlight = true;
    return 'probe';
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
   * open at least that long (a 429's Retry-After). `permit` is what tryAcquire granted the call; without
   * one (the health probes) a failure while not closed counts as a failed probe.
   */
  recordFailure(
    now: number,
    reason: string,
    options: { immediate?: boolean; minCooldownMs?: number; permit?: BreakerPermit } = {},
  ): void {
    this.#failures += 1;
    this.#lastFailureAt = now;
    this.#lastFailureReason = reason;
    if (options.permit === 'call' && this.#state !== 'closed') {
      // A call that went out before the breaker opened: the same outage, not a failed probe. It
      // neither doubles the cool-down nor frees the probe slot; only a longer Retry-After counts.
      if (options.minCooldownMs !== undefined) {
        const wait = Math.min(options.minCooldownMs, this.#config.maxCooldownMs);
        this.#retryAt = Math.max(this.#retryAt, now + wait);
      }
      return;
    }
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

  /** A call ended without telling anything about the model's health (aborted, bad request): a probe frees its slot. */
  release(permit: BreakerPermit): void {
    if (permit === 'probe') this.#probeInFlight = false;
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
