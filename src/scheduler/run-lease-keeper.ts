import type { BackgroundFailures } from '../contracts/background-failures.ts';
import type { JobConfig } from '../contracts/pyramid-config.ts';
import {
  processStoppedMessage,
  type RunRecord,
  type SchedulerStore,
  type StoredJob,
} from '../contracts/scheduler-store.ts';
import type { Clock } from './clock.ts';

/** A run this process is running, as the lease keeper sees it (`leased`: under this process's lease). */
export type LeasedRunEntry = {
  run: RunRecord;
  controller: AbortController;
  leased?: boolean;
  lost?: boolean;
};

export type RunLeaseKeeperOptions = {
  store: SchedulerStore;
  clock: Clock;
  failures: BackgroundFailures;
  leases: { owner: string; leaseMs: number };
  /** This process's running runs, by run id (read as they are at each beat). */
  running: ReadonlyMap<string, LeasedRunEntry>;
  /** The jobs in use, by id (read as they are at each sweep). */
  jobs: ReadonlyMap<string, StoredJob>;
  /** The retry of an interrupted run, queued. */
  newRetry: (definition: JobConfig, retryOf: string) => RunRecord;
  /** Hands a retry written by a sweep to the queue. */
  enqueue: (run: RunRecord) => void;
};

/**
 * Keeps run leases for a scheduler sharing its store: renews this process's, aborting a run another
 * process took over, and interrupts the runs whose lease ended (their process died).
 */
export class RunLeaseKeeper {
  readonly #options: RunLeaseKeeperOptions;
  #heartbeat: unknown;
  #stopped = false;

  constructor(options: RunLeaseKeeperOptions) {
    this.#options = options;
  }

  /**
   * Renews this process's run leases every third of their length, until stop. A run the store no longer
   * lists as held (another process found its lease ended, say after the store was unreachable for that
   * long) is aborted here: it is being retried elsewhere.
   */
  beat(): void {
    if (this.#stopped) return;
    const { store, clock, failures, leases, running } = this.#options;
    this.#heartbeat = clock.setTimeout(async () => {
      try {
        const held = new Set(await store.renewRunLeases(leases.owner, clock.now() + leases.leaseMs));
        for (const entry of running.values()) {
          if (entry.leased && entry.run.status === 'running' && !held.has(entry.run.id) && !entry.lost) {
            entry.lost = true;
            entry.controller.abort(new Error('another process took the run over after its lease ended'));
          }
        }
        failures.succeeded('run-leases');
      } catch (error) {
        failures.failed('run-leases', error);
      }
      this.beat();
    }, leases.leaseMs / 3);
  }

  /** Stops renewing (a beat in progress finishes without setting another). */
  stop(): void {
    this.#stopped = true;
    if (this.#heartbeat !== undefined) this.#options.clock.clearTimeout(this.#heartbeat);
  }

  /**
   * Interrupts the running runs whose lease ended (their process died), each with its retry when the
   * job has retries, in one commit per run; a run another process interrupted first is skipped.
   */
  async interruptExpired(now: number): Promise<RunRecord[]> {
    const { store, running, jobs } = this.#options;
    const interrupted: RunRecord[] = [];
    for (const run of await store.expiredRuns(now)) {
      if (running.has(run.id)) continue;
      const job = jobs.get(run.jobId);
      const retry =
        job && job.definition.retries > 0 && run.trigger !== 'retry'
          ? this.#options.newRetry(job.definition, run.id)
          : undefined;
      if (await store.interruptExpired(run.id, now, retry)) {
        interrupted.push({
          ...run,
          status: 'interrupted',
          finishedAt: Math.round(now),
          error: processStoppedMessage,
        });
        if (retry) this.#options.enqueue(retry);
      }
    }
    return interrupted;
  }
}
