import type { RunLease, RunRecord, SchedulerStore, StartRunOutcome } from '../contracts/scheduler-store.ts';

export type RunStartBatcherOptions = {
  store: Pick<SchedulerStore, 'startRuns'>;
  /** The lease each start is given (its `until` read at the moment of the call). */
  lease: () => RunLease;
  /** The platform's agent lane. */
  maxRunning: number;
  /** Calls the store, waiting out failures that end by themselves (untilWritten). */
  retry: <T>(write: () => Promise<T>) => Promise<T>;
  /** Runs `flush` after the current turn of the event loop (default setImmediate). */
  defer?: (flush: () => void) => void;
};

type Pending = {
  run: RunRecord;
  resolve: (outcome: StartRunOutcome) => void;
  reject: (error: unknown) => void;
};

/**
 * Gathers the run starts asked for in one turn of the event loop into one SchedulerStore.startRuns call
 * (one commit, one take of the platform lane's lock), one call at a time: the starts asked for while
 * one is in flight go in the next. A dispatch that starts 64 runs is one round of the lane, not 64
 * transactions queued on its lock, each holding a pooled connection while it waits.
 */
export class RunStartBatcher {
  readonly #options: RunStartBatcherOptions;
  readonly #defer: (flush: () => void) => void;
  #pending: Pending[] = [];
  #scheduled = false;
  #flushing = false;

  constructor(options: RunStartBatcherOptions) {
    this.#options = options;
    this.#defer = options.defer ?? ((flush) => setImmediate(flush));
  }

  /** Starts `run` (status `running`, as it is written) with the next batch. */
  start(run: RunRecord): Promise<StartRunOutcome> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ run: { ...run }, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing || this.#pending.length === 0) return;
    this.#scheduled = true;
    this.#defer(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    this.#flushing = true;
    const batch = this.#pending;
    this.#pending = [];
    try {
      const outcomes = await this.#options.retry(() =>
        this.#options.store.startRuns(
          batch.map((entry) => entry.run),
          this.#options.lease(),
          this.#options.maxRunning,
        ),
      );
      for (const [index, entry] of batch.entries()) entry.resolve(outcomes[index] ?? 'taken');
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.#flushing = false;
      this.#schedule();
    }
  }
}
