/**
 * A concurrency lane: at most `limit` tasks run at once, the rest wait. In one process it is a counter
 * (the `Lane` of agents/); on a store several processes share it is platform-wide (holds in the store).
 */
export interface ConcurrencyLane {
  /** The configured limit, for the whole platform when the lane is shared. */
  readonly limit: number;
  /** This process's tasks running now. */
  readonly active: number;
  /** This process's tasks waiting for a slot. */
  readonly waiting: number;
  /**
   * Runs `work` once a slot is free and frees the slot when it settles. A task whose `signal` aborts while
   * it waits leaves the queue at once, rejects with the signal's reason, and takes no slot.
   */
  run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}
