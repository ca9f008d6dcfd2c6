/**
 * A concurrency lane: at most `limit` tasks run at once, the rest wait in order. Subagent tasks get a
 * lane of their own, so a parent waiting on its subagents never holds a slot they need.
 */
export class Lane {
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

  /** Runs `work` once a slot is free; the slot is released when it settles. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
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
}
