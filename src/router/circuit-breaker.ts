import type { BreakerConfig } from '../contracts/pyramid-config.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What the breaker knows about one model, for traces, `route explain` and `/api/health`. */
export type BreakerSnapshot = {
  state: BreakerState;
  consecutiveFailures: number;
  /** When an open breaker lets one probe through (ms since epoch). */
  retryAt?: number;
  cooldownMs: number;
  /** A half-open probe is out: no other call goes through until it ends. */
  probeInFlight: boolean;
  lastFailureAt?: number;
  lastFailureReason?: string;
};

/**
 * What `tryAcquire` granted: an ordinary call (the breaker was closed) or the single half-open probe,
 * stamped with the breaker's epoch at that moment. The epoch moves on every time the breaker opens,
 * reopens or closes, so the outcome of a call that started before that (a stale call) cannot be taken
 * for news: a stale failure does not count, and a stale success does not close the breaker.
 */
export type BreakerPermit = { readonly kind: 'call' | 'probe'; readonly epoch: number };

/**
 * A circuit breaker for one model. Closed: calls go through. Open: calls are skipped without a
 * network call until `retryAt`. Half-open: exactly one probe call goes through; success closes the
 * breaker, failure reopens it with a doubled cool-down (capped), or for exactly the provider's
 * Retry-After when it sent one: a rate-limited model is let through again as soon as it said it may be.
 */
export class CircuitBreaker {
  readonly #config: BreakerConfig;
  readonly #onChange?: (state: 'open' | 'closed', lastFailureReason?: string) => void;
  readonly #onReopen?: (retryAt: number, reason: string) => void;
  readonly #listeners = new Set<() => void>();
  #state: BreakerState = 'closed';
  #epoch = 0;
  #failures = 0;
  #cooldownMs: number;
  #retryAt = 0;
  #probeInFlight = false;
  #lastFailureAt?: number;
  #lastFailureReason?: string;

  /**
   * `onChange` hears when the breaker opens from closed, and when it closes again (for alerts);
   * `onReopen` when a failed trial opens it again (the same outage: shared, never alerted).
   */
  constructor(
    config: BreakerConfig,
    onChange?: (state: 'open' | 'closed', lastFailureReason?: string) => void,
    onReopen?: (retryAt: number, reason: string) => void,
  ) {
    this.#config = config;
    this.#cooldownMs = config.cooldownMs;
    this.#onChange = onChange;
    this.#onReopen = onReopen;
  }

  /** Whether a call may go out now (undefined: no); in half-open state this claims the single probe slot. */
  tryAcquire(now: number): BreakerPermit | undefined {
    if (this.#state === 'closed') return { kind: 'call', epoch: this.#epoch };
    if (this.#state === 'open' && now >= this.#retryAt) this.#state = 'half-open';
    if (this.#state === 'half-open' && !this.#probeInFlight) {
      this.#probeInFlight = true;
      return { kind: 'probe', epoch: this.#epoch };
    }
    return undefined;
  }

  /** A call is made even though the breaker is open (every candidate was open). */
  forceAcquire(): BreakerPermit {
    if (this.#state === 'closed') return { kind: 'call', epoch: this.#epoch };
    this.#state = 'half-open';
    this.#probeInFlight = true;
    return { kind: 'probe', epoch: this.#epoch };
  }

  /**
   * A permit for an observer that claims no slot (the health probes, a second call on the same model):
   * its success closes the breaker and its failure counts only if the breaker has not changed since.
   */
  ticket(): BreakerPermit {
    return { kind: 'call', epoch: this.#epoch };
  }

  /** A call finished without a failure that counts against the model. A stale call's success changes nothing. */
  recordSuccess(permit: BreakerPermit): void {
    if (permit.epoch !== this.#epoch) return;
    if (this.#state === 'closed') {
      this.#failures = 0;
      return;
    }
    this.#state = 'closed';
    this.#epoch += 1;
    this.#failures = 0;
    this.#probeInFlight = false;
    this.#cooldownMs = this.#config.cooldownMs;
    this.#onChange?.('closed', this.#lastFailureReason);
    this.#notify();
  }

  /**
   * A retryable failure. `immediate` opens the breaker at once (unreachable); `minCooldownMs` is the
   * provider's Retry-After: the breaker stays open exactly that long (capped at maxCooldown) instead of
   * its own cool-down. `permit` is what tryAcquire (or ticket) granted the call.
   */
  recordFailure(
    now: number,
    reason: string,
    options: { immediate?: boolean; minCooldownMs?: number; permit: BreakerPermit },
  ): void {
    this.#failures += 1;
    this.#lastFailureAt = now;
    this.#lastFailureReason = reason;
    const { permit } = options;
    const current = permit.epoch === this.#epoch;
    if (!current || (permit.kind === 'call' && this.#state !== 'closed')) {
      // A call that went out before the breaker last changed, or an observer's while it is open: the
      // same outage, not a failed probe. It neither doubles the cool-down nor frees the probe slot;
      // only a longer Retry-After counts.
      if (this.#state !== 'closed' && options.minCooldownMs !== undefined) {
        const wait = Math.min(options.minCooldownMs, this.#config.maxCooldownMs);
        this.#retryAt = Math.max(this.#retryAt, now + wait);
      }
      return;
    }
    const wasProbe = permit.kind === 'probe';
    this.#probeInFlight = false;
    const shouldOpen = wasProbe || options.immediate || this.#failures >= this.#config.failureThreshold;
    if (!shouldOpen) return;
    let cooldown: number;
    if (options.minCooldownMs !== undefined) {
      // The provider said when: no doubling, and no longer than it asked.
      cooldown = Math.min(options.minCooldownMs, this.#config.maxCooldownMs);
    } else {
      if (wasProbe) this.#cooldownMs = Math.min(this.#cooldownMs * 2, this.#config.maxCooldownMs);
      cooldown = this.#cooldownMs;
    }
    const wasClosed = this.#state === 'closed';
    this.#state = 'open';
    this.#epoch += 1;
    this.#retryAt = now + cooldown;
    if (wasClosed) this.#onChange?.('open', reason);
    else this.#onReopen?.(this.#retryAt, reason);
    this.#notify();
  }

  /**
   * The platform's trial went to another process (or the platform's breaker waits longer): the probe
   * slot is given back and the breaker stays open until `retryAt`, when a call may ask again.
   */
  yieldTrial(permit: BreakerPermit, retryAt: number): void {
    if (permit.kind !== 'probe' || permit.epoch !== this.#epoch || !this.#probeInFlight) return;
    this.#probeInFlight = false;
    this.#state = 'open';
    this.#retryAt = retryAt;
    this.#notify();
  }

  /** A call ended without telling anything about the model's health (aborted, bad request): a probe frees its slot. */
  release(permit: BreakerPermit): void {
    if (permit.kind !== 'probe' || permit.epoch !== this.#epoch || !this.#probeInFlight) return;
    this.#probeInFlight = false;
    this.#notify();
  }

  /**
   * Another process sharing the store found the model down: the breaker opens until `retryAt` (a later
   * retry time than its own when already open). A half-open probe in flight is left to tell its own
   * news. Listeners hear it; `onChange` does not (the alert is the platform's, not this breaker's).
   */
  adoptOpen(retryAt: number, reason?: string, at?: number): void {
    if (this.#probeInFlight) return;
    if (this.#state === 'closed') this.#epoch += 1;
    this.#retryAt = this.#state === 'closed' ? retryAt : Math.max(this.#retryAt, retryAt);
    this.#state = 'open';
    if (reason !== undefined) this.#lastFailureReason = reason;
    if (at !== undefined) this.#lastFailureAt = at;
    this.#notify();
  }

  /** Another process found the model answering again: closed, as after a successful probe, without `onChange`. */
  adoptClosed(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#epoch += 1;
    this.#failures = 0;
    this.#probeInFlight = false;
    this.#cooldownMs = this.#config.cooldownMs;
    this.#notify();
  }

  /** Calls `listener` whenever the breaker opens, closes or frees its probe slot; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  snapshot(now: number): BreakerSnapshot {
    const state =
      this.#state === 'open' && now >= this.#retryAt && !this.#probeInFlight ? 'half-open' : this.#state;
    return {
      state,
      consecutiveFailures: this.#failures,
      retryAt: this.#state === 'closed' ? undefined : this.#retryAt,
      cooldownMs: this.#cooldownMs,
      probeInFlight: this.#probeInFlight,
      lastFailureAt: this.#lastFailureAt,
      lastFailureReason: this.#lastFailureReason,
    };
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
