/**
 * Failed authentications per client address over a sliding window. An address that reached
 * `maxFailures` within `windowMs` is refused (429 with Retry-After) until its oldest counted failure
 * leaves the window. Memory is bounded: at most `maxFailures` timestamps per address, and addresses
 * whose failures all expired are dropped.
 */
export class AuthThrottle {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #failures = new Map<string, number[]>();

  constructor(options: { maxFailures: number; windowMs: number }) {
    this.#maxFailures = options.maxFailures;
    this.#windowMs = options.windowMs;
  }

  /** Milliseconds until `address` may try again, or 0 when it is not throttled. */
  retryAfterMs(address: string, now: number): number {
    const times = this.#recent(address, now);
    if (times.length < this.#maxFailures) return 0;
    return Math.max(1, times[0] + this.#windowMs - now);
  }

  recordFailure(address: string, now: number): void {
    const times = this.#recent(address, now);
    times.push(now);
    if (times.length > this.#maxFailures) times.shift();
    this.#failures.set(address, times);
    if (this.#failures.size > 10_000) this.#prune(now);
  }

  #recent(address: string, now: number): number[] {
    const times = this.#failures.get(address);
    if (!times) return [];
    while (times.length > 0 && times[0] <= now - this.#windowMs) times.shift();
    if (times.length === 0) this.#failures.delete(address);
    return times;
  }

  #prune(now: number): void {
    for (const address of [...this.#failures.keys()]) this.#recent(address, now);
  }
}
