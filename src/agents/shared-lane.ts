import type { ConcurrencyLane } from '../contracts/concurrency-lane.ts';
import type { LaneHoldStore } from '../contracts/lane-hold-store.ts';

export type SharedLaneTimers = {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

export type SharedLaneOptions = {
  store: LaneHoldStore;
  /** The lane's name in the store (`subagents`). */
  lane: string;
  /** At most this many tasks at once, counted over every process sharing the store. */
  limit: number;
  /** This process, as the store names a hold's owner. */
  owner: string;
  /** A hold not renewed for this long stops counting (its process died); renewed every third of it. */
  leaseMs: number;
  /** How often a waiting task asks again for a slot another process may have freed (default 100 ms). */
  pollMs?: number;
  /** A failed take, renewal or release (the store's status already tells readiness). */
  onError?: (error: unknown) => void;
  now?: () => number;
  newId?: () => string;
  /** The global timers (unref'd) when omitted. */
  timers?: SharedLaneTimers;
};

type Waiter = { grant: (id: string) => void };

const systemTimers: SharedLaneTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Retries after a failed take wait at most this long. */
const maxRetryMs = 5000;

/**
 * A lane whose limit holds for every process on one store: each running task holds a row in the store
 * (taken only while fewer than `limit` live holds exist, in one step), renewed while the task runs and
 * deleted when it settles, so a dead process's holds stop counting once their lease runs out. Waiting
 * tasks queue here in arrival order and only the first asks the store; a slot freed in this process is
 * asked for at once, one freed in another process within `pollMs` (a polled table rather than
 * LISTEN/NOTIFY: no connection of its own, and it works through poolers in transaction mode).
 */
export class SharedLane implements ConcurrencyLane {
  readonly limit: number;
  readonly #options: SharedLaneOptions;
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #timers: SharedLaneTimers;
  readonly #pollMs: number;
  readonly #queue: Waiter[] = [];
  /** Ids of the holds of this process's running tasks. */
  readonly #holds = new Set<string>();
  #active = 0;
  #filling = false;
  /** Something changed while the store was being asked (a release here, a new waiter): ask again at once. */
  #again = false;
  #retry: unknown;
  #renewal: unknown;
  /** The renewal chain in use: a renewal that finds another one (or none) here stops. */
  #renewalToken: object | undefined;
  #failures = 0;

  constructor(options: SharedLaneOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1)
      throw new RangeError(`a lane needs a limit >= 1, got ${options.limit}`);
    this.limit = options.limit;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#newId = options.newId ?? (() => crypto.randomUUID());
    this.#timers = options.timers ?? systemTimers;
    this.#pollMs = options.pollMs ?? 100;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const id = await this.#slot(signal);
    this.#active++;
    try {
      return await work();
    } finally {
      this.#active--;
      this.#holds.delete(id);
      if (this.#holds.size === 0) this.#stopRenewing();
      try {
        await this.#options.store.release(this.#options.lane, id);
      } catch (error) {
        // The hold lapses after its lease instead.
        this.#options.onError?.(error);
      }
      this.#fill();
    }
  }

  /** Waits in the queue for a hold; an abort leaves the queue (a hold taken for it goes to the next waiter). */
  #slot(signal: AbortSignal | undefined): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const onAbort = () => {
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: (id) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(id);
        },
      };
      this.#queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#fill();
    });
  }

  /** Takes holds for the waiters, first come first served, until the lane is full or nobody waits. */
  #fill(): void {
    if (this.#filling) {
      this.#again = true;
      return;
    }
    if (this.#retry !== undefined) this.#timers.clearTimeout(this.#retry);
    this.#retry = undefined;
    if (this.#queue.length === 0) return;
    this.#filling = true;
    void this.#take().then((failed) => {
      this.#filling = false;
      if (this.#again) {
        this.#again = false;
        this.#fill();
      } else if (this.#queue.length > 0) {
        this.#failures = failed ? this.#failures + 1 : 0;
        const delay = failed ? Math.min(this.#pollMs * 2 ** this.#failures, maxRetryMs) : this.#pollMs;
        this.#retry = this.#timers.setTimeout(() => {
          this.#retry = undefined;
          this.#fill();
        }, delay);
      }
    });
  }

  /** Resolves true when the store failed. */
  async #take(): Promise<boolean> {
    const { store, lane, owner, leaseMs, limit } = this.#options;
    while (this.#queue.length > 0) {
      this.#again = false;
      const id = this.#newId();
      const now = this.#now();
      let taken: boolean;
      try {
        taken = await store.take({ lane, id, owner, expiresAt: now + leaseMs }, limit, now);
      } catch (error) {
        this.#options.onError?.(error);
        return true;
      }
      if (!taken) return false;
      // The waiter it was taken for may have aborted meanwhile: the first one still waiting gets it.
      const waiter = this.#queue.shift();
      if (!waiter) {
        await store.release(lane, id).catch((error: unknown) => this.#options.onError?.(error));
        return false;
      }
      this.#holds.add(id);
      this.#renew();
      waiter.grant(id);
    }
    return false;
  }

  /** While this process holds any, its holds' expiry moves on every third of the lease. */
  #renew(): void {
    if (this.#renewal !== undefined) return;
    const { store, lane, leaseMs } = this.#options;
    const token = {};
    this.#renewalToken = token;
    this.#renewal = this.#timers.setTimeout(async () => {
      try {
        // A hold that lapsed meanwhile (this process was away from the store for a lease) is gone: its
        // task runs on uncounted rather than being cut off.
        await store.renew(lane, [...this.#holds], this.#now() + leaseMs);
      } catch (error) {
        this.#options.onError?.(error);
      }
      if (this.#renewalToken !== token) return;
      this.#renewal = undefined;
      if (this.#holds.size > 0) this.#renew();
    }, leaseMs / 3);
  }

  #stopRenewing(): void {
    if (this.#renewal !== undefined) this.#timers.clearTimeout(this.#renewal);
    this.#renewal = undefined;
    this.#renewalToken = undefined;
  }
}
