import type { ConcurrencyLane } from '../contracts/concurrency-lane.ts';

/**
 * A concurrency lane in this process's memory: at most `limit` tasks run at once, the rest wait in
 * order (SQLite's one process; a PostgreSQL store shares the subagent lane with SharedLane). Subagent
 * tasks get a lane of their own, so a parent waiting on its subagents never holds a slot they need.
 */
export class Lane implements ConcurrencyLane {
  readonly limit: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`a lane needs a limit >= 1, got ${limit}`);
    this.limit = limit;
  }

  /** Tasks running now. */
  get active(): number {
    return this.#active;
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `work` once a slot is free; the slot is released when it settles. A task whose `signal` aborts
   * while it waits leaves the queue and rejects with the signal's reason, so a timed-out run does not
   * wait for a slot only to give it back.
   */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.#active >= this.limit) await this.#slot(signal);
    else this.#active++;
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next task, so `active` never dips and lets a newcomer jump the queue.
      if (next) next();
      else this.#active--;
    }
  }

  #slot(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#waiting.splice(this.#waiting.indexOf(granted), 1);
        reject(signal?.reason);
      };
      const granted = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiting.push(granted);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
