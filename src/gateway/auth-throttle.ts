/**
 * Failed authentications per client address over a sliding window. An address that reached
 * `maxFailures` within `windowMs` is refused (429 with Retry-After) until its oldest counted failure
 * leaves the window. Memory is bounded: at most `maxFailures` timestamps for each of at most
 * `maxAddresses` addresses. Past that bound the addresses whose last failure is oldest are forgotten
 * first (expired ones before any other), at a constant cost per failure: a flood from many addresses
 * (one IPv6 /64 has billions) can neither fill the memory nor stall the event loop.
 */
export class AuthThrottle {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #maxAddresses: number;
  /** In the order of each address's last failure, oldest first (re-inserted on every failure). */
  readonly #failures = new Map<string, number[]>();

  constructor(options: { maxFailures: number; windowMs: number; maxAddresses?: number }) {
    this.#maxFailures = options.maxFailures;
    this.#windowMs = options.windowMs;
    this.#maxAddresses = options.maxAddresses ?? 10_000;
  }

  /** How many addresses have failures remembered. */
  get trackedAddresses(): number {
    return this.#failures.size;
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
    this.#failures.delete(address);
    this.#failures.set(address, times);
    if (this.#failures.size > this.#maxAddresses) this.#evict(now);
  }

  #recent(address: string, now: number): number[] {
    const times = this.#failures.get(address);
    if (!times) return [];
    while (times.length > 0 && times[0] <= now - this.#windowMs) times.shift();
    if (times.length === 0) this.#failures.delete(address);
    return times;
  }

  /** Drops expired addresses, then the oldest, from the front of the map; each is dropped once, so amortised O(1). */
  #evict(now: number): void {
    for (const [address, times] of this.#failures) {
      const expired = times[times.length - 1] <= now - this.#windowMs;
      if (!expired && this.#failures.size <= this.#maxAddresses) return;
      this.#failures.delete(address);
    }
  }
}
