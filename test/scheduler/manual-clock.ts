import type { Clock } from '../../src/scheduler/clock.ts';

/** A clock that moves only when told; timers fire in due order as it passes them. */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, { due: number; callback: () => void }>();

  constructor(start: number | string) {
    this.#now = typeof start === 'string' ? Date.parse(start) : start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { due: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Timers set and not yet fired or cleared: lets a test wait until code under test is waiting. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * Moves time forward by `ms`, firing each timer due on the way at its own time. The scheduler's timer
   * callbacks go on asynchronously (a tick awaits the store): before looking for the next timer, what
   * the last one started is let run until it waits for something outside this thread (a model call),
   * so that a tick can arm its next timer, as it did when the store answered at once.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await settleMicrotasks();
      let next: [number, { due: number; callback: () => void }] | undefined;
      for (const entry of this.#timers)
        if (entry[1].due <= target && (!next || entry[1].due < next[1].due)) next = entry;
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].due);
      next[1].callback();
    }
    this.#now = target;
  }

  /** Moves to an absolute time. */
  advanceTo(time: string | number): Promise<void> {
    return this.advance((typeof time === 'string' ? Date.parse(time) : time) - this.#now);
  }
}

/** Lets every promise chain of this thread run on until it waits for I/O or a timer (the inline stores answer in promises). */
export function settleMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
