import { Lane } from '../agents/lane.ts';
import type { BackgroundFailures } from '../contracts/background-failures.ts';
import type { ConcurrencyLane } from '../contracts/concurrency-lane.ts';
import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import type { JobConfig, PyramidConfig } from '../contracts/pyramid-config.ts';
import type {
  RunFilter,
  RunRecord,
  RunTrigger,
  SchedulerWrite,
  StoreChanges,
  StoredJob,
} from '../contracts/scheduler-store.ts';
import { isolatedSessionId, mainSessionId } from '../sessions/session-ids.ts';
import { createBackoffFailures } from '../store/create-backoff-failures.ts';
import { checkSpendCap } from './check-spend-cap.ts';
import { claimDueSlots } from './claim-due-slots.ts';
import { type Clock, systemClock } from './clock.ts';
import { errorText } from './error-text.ts';
import { exclusiveKeys } from './exclusive-keys.ts';
import { firstStartWrites } from './first-start-writes.ts';
import { isJobEnabled } from './is-job-enabled.ts';
import { JobEdits } from './job-edits.ts';
import { JobSlotsCache } from './job-slots-cache.ts';
import { type JobView, jobView } from './job-view.ts';
import { newRun } from './new-run.ts';
import { RunLeaseKeeper } from './run-lease-keeper.ts';
import { type RunPayloadDeps, runPayload } from './run-payload.ts';
import { RunStartBatcher } from './run-start-batcher.ts';
import type { SchedulerOptions } from './scheduler-options.ts';
import { startRecovery } from './start-recovery.ts';
import { throttledJobEvents } from './throttled-job-events.ts';
import { untilWritten } from './until-written.ts';

export type { JobView } from './job-view.ts';
export type { SchedulerEvent } from './scheduler-event.ts';
export type { SchedulerOptions } from './scheduler-options.ts';

/** `leased`: the store holds this process's lease on it; `lost`: another process took it over. */
type Running = {
  run: RunRecord;
  controller: AbortController;
  done: Promise<void>;
  leased?: boolean;
  lost?: boolean;
};

const interruptedMessage = 'the scheduler stopped while the run was running';

/** How soon a process whose runs were refused for a full platform lane tries again. */
const laneRetryMs = 200;

/** Queued runs a tick reads to pick up those added elsewhere (oldest first). */
const pickupLimit = 500;

/** Due jobs claimed per commit in a tick. */
const claimChunk = 500;

/**
 * Runs jobs on their schedules: one run per slot (claimed atomically in the store), two lanes
 * (agents, and subagents that never take agent slots), overlap and catch-up policies, retries with
 * backoff, timeouts, and recovery after a crash (running -> interrupted, queued runs resumed).
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  /** The config's agents and jobs in use; applyConfig replaces it on a reload. */
  #config: PyramidConfig;
  readonly #store: SchedulerOptions['store'];
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #graceMs: number;
  readonly #pollMs: number;
  readonly #agentLimit: number;
  readonly subagents: ConcurrencyLane;
  readonly #jobs = new Map<string, StoredJob>();
  readonly #slots = new JobSlotsCache();
  readonly #queue: RunRecord[] = [];
  readonly #running = new Map<string, Running>();
  /** Queued, running or waiting to retry, per job (overlap decisions). */
  readonly #active = new Map<string, number>();
  /** Queued runs waiting out a retry backoff (`notBefore`), by run id, with their timers. */
  readonly #waiting = new Map<string, unknown>();
  readonly #waiters = new Map<string, Array<(run: RunRecord) => void>>();
  #timer: unknown;
  /** The tick in progress: ticks never overlap. */
  #ticking: Promise<void> | undefined;
  readonly #failures: BackgroundFailures;
  #started = false;
  #stopping = false;
  /** The store's change counters as of the last look (jobs reread, active runs picked up). */
  #seen: StoreChanges = { jobs: -1, runs: -1 };
  readonly #leases: { owner: string; leaseMs: number } | undefined;
  /** With leases: renews this process's and sweeps the expired. */
  readonly #leaseKeeper: RunLeaseKeeper | undefined;
  readonly #edits: JobEdits;
  readonly #payloadDeps: RunPayloadDeps;
  /** With leases: run starts, gathered into one store call per turn of the event loop. */
  readonly #starts: RunStartBatcher | undefined;
  /** Other processes' runs fill the platform's agent lane: nothing starts before #laneRetry or the next tick. */
  #laneFull = false;
  /** Where the next run refused for a full lane goes back in the queue (its order kept), until the lane is tried again. */
  #requeueAt = 0;
  /** The timer that tries a full lane again (runs end in milliseconds; a tick can be a minute away). */
  #laneRetry: unknown;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#config = options.config;
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#newId = options.newId ?? (() => crypto.randomUUID());
    this.#graceMs = options.graceMs ?? 60_000;
    this.#pollMs = options.pollMs ?? 2000;
    this.#agentLimit = options.config.concurrency?.agents ?? 2;
    this.subagents = options.subagents ?? new Lane(options.config.concurrency?.subagents ?? 4);
    this.#failures = options.failures ?? createBackoffFailures();
    this.#leases = options.leases && {
      owner: options.leases.owner,
      leaseMs: options.leases.leaseMs ?? 30_000,
    };
    this.#leaseKeeper = this.#leases
      ? new RunLeaseKeeper({
          store: this.#store,
          clock: this.#clock,
          failures: this.#failures,
          leases: this.#leases,
          running: this.#running,
          jobs: this.#jobs,
          newRetry: (definition, retryOf) => this.#newRetry(definition, retryOf),
          enqueue: (run) => this.#enqueue(run),
        })
      : undefined;
    const leases = this.#leases;
    this.#starts = leases
      ? new RunStartBatcher({
          store: this.#store,
          lease: () => ({ owner: leases.owner, until: this.#clock.now() + leases.leaseMs }),
          maxRunning: this.#agentLimit,
          retry: (write) => this.#untilWritten(write),
        })
      : undefined;
    this.#edits = new JobEdits({
      store: this.#store,
      clock: this.#clock,
      slots: this.#slots,
      config: () => this.#config,
    });
    this.#payloadDeps = {
      router: options.router,
      sessions: options.sessions,
      subagents: this.subagents,
      now: () => this.#clock.now(),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    };
  }

  /**
   * Recovers after a crash (running runs become `interrupted`, retried once when the job has retries),
   * reconciles config jobs, resumes queued runs, fires due and missed slots, and starts the timer.
   */
  async start(): Promise<{ interrupted: RunRecord[] }> {
    if (this.#started) throw new PyramidError('scheduler_started', 'the scheduler is already started');
    this.#started = true;
    const now = this.#clock.now();
    // Noted before the jobs and runs are read: a commit of another process's in between (`pyramid jobs
    // add`, `jobs run`) is then seen at the first tick, not only after some later change.
    const seen = await this.#store.changes();
    await this.reconcile();
    await this.#recordFirstStart(now);
    this.#reportThrottled();
    const keeper = this.#leaseKeeper;
    if (keeper) {
      const interrupted = await keeper.interruptExpired(now);
      for (const run of await this.#store.activeRuns()) if (run.status === 'queued') this.#enqueue(run);
      this.#seen = seen;
      keeper.beat();
      this.#runTick();
      return { interrupted };
    }
    const { interrupted, writes } = startRecovery(
      await this.#store.activeRuns(),
      this.#jobs,
      now,
      (definition, retryOf) => this.#newRetry(definition, retryOf),
    );
    await this.#store.batch(writes);
    for (const run of await this.#store.activeRuns()) this.#enqueue(run);
    this.#seen = seen;
    this.#runTick();
    return { interrupted };
  }

  /**
   * Stops the timer, lets running runs finish for up to `drainMs` (default 0), then aborts the rest and
   * records them `interrupted`. Queued runs stay queued in the store and run after the next start.
   */
  async stop(options: { drainMs?: number } = {}): Promise<void> {
    this.#stopping = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    if (this.#laneRetry !== undefined) this.#clock.clearTimeout(this.#laneRetry);
    this.#leaseKeeper?.stop();
    for (const timer of this.#waiting.values()) this.#clock.clearTimeout(timer);
    await this.#ticking;
    const pending = () => Promise.all([...this.#running.values()].map((entry) => entry.done));
    if ((options.drainMs ?? 0) > 0 && this.#running.size > 0) {
      await Promise.race([pending(), new Promise((resolve) => setTimeout(resolve, options.drainMs).unref())]);
    }
    for (const entry of this.#running.values()) entry.controller.abort(new Error(interruptedMessage));
    await pending();
  }

  /** Brings stored config jobs in line with the config file: added, changed (next slot kept when the schedule is), removed. */
  async reconcile(): Promise<void> {
    await this.#edits.reconcile();
    await this.#reloadJobs();
  }

  /**
   * Every job as reconcile would leave it, without writing anything: for read-only commands (`jobs
   * list`), so that looking at the jobs before the first start stores no slot that the start would
   * then find missed and catch up.
   */
  async previewJobs(): Promise<JobView[]> {
    return (await this.#edits.preview()).map((job) => this.#view(job));
  }

  /**
   * A reloaded config (same providers, models, tiers and channels; see Platform.reload): config jobs are
   * reconciled (added, changed, removed; a job whose schedule is unchanged keeps its next slot), and
   * agents' prompts and settings apply from their next run. Runs in progress finish as they started.
   */
  async applyConfig(config: PyramidConfig): Promise<void> {
    this.#config = config;
    await this.reconcile();
    this.#reportThrottled();
    this.#arm();
  }

  /**
   * Records the first start on this store with its slot moves (see firstStartWrites), so that a later
   * start after downtime does catch up.
   */
  async #recordFirstStart(now: number): Promise<void> {
    await this.#store.recordFirstStart(
      now,
      firstStartWrites(this.#jobs.values(), this.#slots, now, this.#graceMs),
    );
    // Another process's first start may have moved them instead.
    await this.#reloadJobs();
  }

  /** Tells onEvent about every enabled job its schedule would run faster than scheduler.minInterval. */
  #reportThrottled(): void {
    const minIntervalMs = this.#config.scheduler?.minIntervalMs;
    for (const event of throttledJobEvents(this.#jobs.values(), minIntervalMs))
      this.#options.onEvent?.(event);
  }

  /** Adds a job defined by CLI or API (already validated by defineJob). */
  async addJob(definition: JobConfig): Promise<JobView> {
    await this.#edits.add(definition);
    return this.#afterEdit(definition.id);
  }

  /** Replaces a stored job's definition; config jobs are edited in pyramid.yaml. */
  async editJob(definition: JobConfig): Promise<JobView> {
    await this.#edits.edit(definition);
    return this.#afterEdit(definition.id);
  }

  /** Removes a stored job (its run history stays). */
  async removeJob(id: string): Promise<void> {
    await this.#edits.remove(id);
    await this.#reloadJobs();
  }

  /** Enables or disables a job (config jobs too: the switch is stored and wins over the file). */
  async setEnabled(id: string, enabled: boolean): Promise<JobView> {
    await this.#edits.setEnabled(id, enabled);
    return this.#afterEdit(id);
  }

  /** After an edit: the jobs reloaded, the timer set for them, and the job as listings show it. */
  async #afterEdit(id: string): Promise<JobView> {
    await this.#reloadJobs();
    this.#arm();
    return this.#view(await this.#edits.require(id));
  }

  /** Queues a run of a job now, outside its schedule (no slot); returns the queued run. */
  async runNow(id: string): Promise<RunRecord> {
    const job = await this.#edits.require(id);
    this.#edits.checkAgent(job.definition);
    const run = this.#newRun(job.definition, 'manual', undefined);
    await this.#store.insertRun(run);
    this.#enqueue(run);
    this.#dispatch();
    return run;
  }

  /** Resolves with the run once it has finished (any final status). */
  async waitForRun(runId: string): Promise<RunRecord> {
    const stored = await this.#store.getRun(runId);
    if (stored && stored.status !== 'queued' && stored.status !== 'running') return stored;
    return new Promise((resolve) => {
      const list = this.#waiters.get(runId) ?? [];
      list.push(resolve);
      this.#waiters.set(runId, list);
    });
  }

  async listJobs(): Promise<JobView[]> {
    return (await this.#store.listJobs()).map((job) => this.#view(job));
  }

  listRuns(filter?: RunFilter): Promise<RunRecord[]> {
    return this.#store.listRuns(filter);
  }

  getRun(id: string): Promise<RunRecord | undefined> {
    return this.#store.getRun(id);
  }

  /** Lane occupancy now. */
  stats(): {
    running: number;
    queued: number;
    retryWaiting: number;
    subagentsActive: number;
    subagentsWaiting: number;
  } {
    return {
      running: this.#running.size,
      queued: this.#queue.length,
      retryWaiting: this.#waiting.size,
      subagentsActive: this.subagents.active,
      subagentsWaiting: this.subagents.waiting,
    };
  }

  /** Runs one tick unless one is running; a store failure backs the timer off instead of ending the process. */
  #runTick(): void {
    this.#timer = undefined;
    if (this.#stopping || this.#ticking) return;
    this.#ticking = (async () => {
      let retryInMs: number | undefined;
      try {
        await this.#tick();
        this.#failures.succeeded('scheduler');
      } catch (error) {
        retryInMs = this.#failures.failed('scheduler', error);
      }
      this.#ticking = undefined;
      this.#dispatch();
      this.#arm(retryInMs);
    })();
  }

  async #tick(): Promise<void> {
    this.#reopenLane();
    if (this.#leaseKeeper) await this.#leaseKeeper.interruptExpired(this.#clock.now());
    const changes = await this.#store.changes();
    // Jobs are reread when one was added, changed or removed elsewhere (not when a claim moved a next
    // slot: every process moves those at every tick), and active runs when a run was added elsewhere.
    if (changes.jobs !== this.#seen.jobs) await this.#reloadJobs();
    if (changes.runs !== this.#seen.runs || changes.jobs !== this.#seen.jobs) {
      const known = new Set([
        ...this.#queue.map((run) => run.id),
        ...this.#running.keys(),
        ...this.#waiting.keys(),
      ]);
      // The oldest queued runs only: behind a backlog, rereading thousands of runs at every tick in
      // every process is what kept the backlog growing. Cut short, the next tick looks again.
      const queued = await this.#store.queuedRuns(pickupLimit);
      for (const run of queued) if (!known.has(run.id)) this.#enqueue(run);
      if (queued.length === pickupLimit) changes.runs = this.#seen.runs;
    }
    this.#seen = changes;
    const now = this.#clock.now();
    const due = [...this.#jobs.values()].filter(
      (job) => job.nextRunAt !== undefined && job.nextRunAt <= now && isJobEnabled(job),
    );
    // Claimed a chunk at a time, each chunk one commit (one round trip or so on PostgreSQL), instead
    // of one claim after another: thousands of jobs due in the same minute are claimed in time.
    for (let start = 0; start < due.length; start += claimChunk) {
      if (this.#stopping) return;
      await this.#fire(due.slice(start, start + claimChunk), now);
    }
  }

  /** Claims the jobs' due slots (see claimDueSlots) and queues the claimed runs. */
  async #fire(jobs: StoredJob[], now: number): Promise<void> {
    const queued = await claimDueSlots(jobs, now, {
      store: this.#store,
      slots: this.#slots,
      minIntervalMs: this.#config.scheduler?.minIntervalMs ?? 0,
      graceMs: this.#graceMs,
      busy: (jobId) => (this.#active.get(jobId) ?? 0) > 0,
      newRun: (definition, trigger, slotTime, extra) => this.#newRun(definition, trigger, slotTime, extra),
    });
    for (const run of queued) this.#enqueue(run);
  }

  #enqueue(run: RunRecord): void {
    this.#active.set(run.jobId, (this.#active.get(run.jobId) ?? 0) + 1);
    if (run.notBefore !== undefined && run.notBefore > this.#clock.now()) this.#wait(run);
    else this.#queue.push(run);
  }

  /** Holds a queued run (already counted active) until its `notBefore`, then queues it. */
  #wait(run: RunRecord): void {
    const timer = this.#clock.setTimeout(
      () => {
        this.#waiting.delete(run.id);
        if (this.#stopping) return;
        this.#queue.push(run);
        this.#dispatch();
      },
      Math.max(0, (run.notBefore ?? 0) - this.#clock.now()),
    );
    this.#waiting.set(run.id, timer);
  }

  #dispatch(): void {
    if (this.#stopping || this.#laneFull) return;
    while (this.#running.size < this.#agentLimit) {
      const busy = new Set([...this.#running.values()].flatMap((entry) => this.#exclusiveKeys(entry.run)));
      const index = this.#queue.findIndex((run) => this.#exclusiveKeys(run).every((key) => !busy.has(key)));
      if (index < 0) return;
      const [run] = this.#queue.splice(index, 1);
      const controller = new AbortController();
      const entry: Running = { run, controller, done: Promise.resolve() };
      this.#running.set(run.id, entry);
      entry.done = this.#execute(run, controller, entry)
        .catch((error) => {
          // Only a store that stayed down until the stop gets here: the run stays `running` in the store
          // and the next start marks it interrupted (and retries it when its job has retries).
          this.#failures.failed('scheduler', error);
        })
        .finally(() => {
          this.#running.delete(run.id);
          this.#dispatch();
        });
    }
  }

  /** What a run holds while it runs (see exclusiveKeys). */
  #exclusiveKeys(run: RunRecord): string[] {
    return exclusiveKeys(run, this.#jobs.get(run.jobId)?.definition);
  }

  async #execute(run: RunRecord, controller: AbortController, entry?: Running): Promise<void> {
    const job = this.#jobs.get(run.jobId);
    const agent = job ? this.#config.agents?.[job.definition.agent] : undefined;
    const queued = { ...run };
    run.status = 'running';
    run.startedAt = this.#clock.now();
    run.attempt += 1;
    if (job && agent && job.definition.payload.kind === 'agentTurn') {
      run.sessionId =
        job.definition.session === 'main' ? mainSessionId(agent.id) : isolatedSessionId(job.id, run.id);
    }
    if (this.#leases) {
      const outcome = await (this.#starts as RunStartBatcher).start(run);
      if (outcome !== 'started') {
        Object.assign(run, queued);
        if (outcome === 'lane-full') {
          // Other processes' runs fill the platform's lane: this one tries again shortly.
          this.#laneFull = true;
          this.#retryLaneSoon();
          // Back at the front, in the order they were dispatched (a batch's refusals come in order).
          this.#queue.splice(this.#requeueAt++, 0, run);
        } else this.#active.set(run.jobId, Math.max(0, (this.#active.get(run.jobId) ?? 1) - 1));
        return;
      }
      if (entry) entry.leased = true;
    } else await this.#persist([{ op: 'updateRun', run: { ...run } }]);
    let timedOut = false;
    const timeout = job
      ? this.#clock.setTimeout(() => {
          timedOut = true;
          controller.abort(new Error(`timed out after ${job.definition.timeoutMs} ms`));
        }, job.definition.timeoutMs)
      : undefined;
    try {
      if (!job) throw new PyramidError('job_missing', `job ${run.jobId} no longer exists`);
      if (!agent)
        throw new PyramidError('agent_missing', `agent ${job.definition.agent} is not in the config`);
      await checkSpendCap(agent, this.#options.spentSince, () => this.#clock.now());
      await runPayload(this.#payloadDeps, run, job.definition, agent, controller.signal);
      run.status = 'ok';
      const deliverable = run.output !== undefined && run.output.trim() !== '' && !run.noReply;
      const sink = this.#options.outputSink;
      run.deliveryStatus =
        deliverable && sink && (sink.delivers?.(run, job.definition) ?? true) ? 'pending' : 'none';
    } catch (error) {
      const aborted = controller.signal.aborted;
      run.status = timedOut ? 'timeout' : aborted && this.#stopping ? 'interrupted' : 'error';
      run.error = aborted ? String((controller.signal.reason as Error)?.message ?? error) : errorText(error);
    } finally {
      if (timeout !== undefined) this.#clock.clearTimeout(timeout);
    }
    run.finishedAt = this.#clock.now();
    if (entry?.lost) {
      // Another process found this run's lease ended and interrupted it (and queued its retry): its
      // result is not written over that, so the run is not counted twice.
      this.#lost(run);
      return;
    }
    const retry =
      job !== undefined &&
      (run.status === 'error' || run.status === 'timeout') &&
      run.attempt <= job.definition.retries &&
      !this.#stopping;
    if (retry) {
      const failed = { ...run };
      run.status = 'queued';
      // Stored, so that neither a restart nor a poll of the store starts the retry before its time.
      run.notBefore = run.finishedAt + job.definition.backoffMs * 2 ** (run.attempt - 1);
      if (!(await this.#record(run, undefined, entry))) {
        this.#lost(failed);
        return;
      }
      this.#options.onEvent?.({ type: 'run-finished', run: failed });
      this.#wait(run);
      return;
    }
    // Stopped by a graceful shutdown (a deploy, a restart): retried once at the next start, as a run
    // interrupted by a crash is, when the job has retries. A stop must not lose more than a crash, so the
    // run and its retry are one commit (a kill -9 during the stop leaves the run `running`, retried at start).
    const retryRun =
      run.status === 'interrupted' && job && job.definition.retries > 0 && run.trigger !== 'retry'
        ? this.#newRun(job.definition, 'retry', undefined, { retryOf: run.id })
        : undefined;
    if (!(await this.#record(run, retryRun, entry))) {
      this.#lost(run);
      return;
    }
    this.#active.set(run.jobId, Math.max(0, (this.#active.get(run.jobId) ?? 1) - 1));
    this.#options.onEvent?.({ type: 'run-finished', run });
    if (run.deliveryStatus === 'pending' && this.#options.outputSink) {
      try {
        await this.#options.outputSink.accept({ ...run });
      } catch (error) {
        this.#options.onEvent?.({ type: 'sink-failed', run, error });
      }
    }
    for (const resolve of this.#waiters.get(run.id) ?? []) resolve({ ...run });
    this.#waiters.delete(run.id);
  }

  /**
   * Writes a run's result (with `retry`, in one commit). A run started under this process's lease is
   * written only while the lease is still this process's: false (nothing written) when another process
   * interrupted it after the lease ran out, which stands.
   */
  async #record(run: RunRecord, retry: RunRecord | undefined, entry: Running | undefined): Promise<boolean> {
    const leases = this.#leases;
    if (leases && entry?.leased) {
      return this.#untilWritten(() => this.#store.finishRun({ ...run }, leases.owner, retry));
    }
    const writes: SchedulerWrite[] = [{ op: 'updateRun', run: { ...run } }];
    if (retry) writes.push({ op: 'insertRun', run: retry });
    await this.#persist(writes);
    return true;
  }

  /** A leased run that another process took over: nothing of it is written, and the log says so. */
  #lost(run: RunRecord): void {
    this.#active.set(run.jobId, Math.max(0, (this.#active.get(run.jobId) ?? 1) - 1));
    this.#options.onEvent?.({
      type: 'run-lost',
      run: { ...run },
      message: `run ${run.id} of job ${run.jobId} ended (${run.status}) after its lease had run out and another process had interrupted it: its result was not recorded over that (the run stays interrupted; its retry, if the job has retries, runs as a new run)`,
    });
    const waiters = this.#waiters.get(run.id);
    if (!waiters) return;
    this.#waiters.delete(run.id);
    // Waiters get the run as the store keeps it (interrupted), not the result nobody recorded.
    void this.#store.getRun(run.id).then(
      (stored) => {
        for (const resolve of waiters) resolve(stored ?? { ...run });
      },
      () => {
        for (const resolve of waiters) resolve({ ...run });
      },
    );
  }

  /** After a full lane: dispatch again in laneRetryMs (once, however many runs were refused). */
  #retryLaneSoon(): void {
    if (this.#laneRetry !== undefined || this.#stopping) return;
    this.#laneRetry = this.#clock.setTimeout(() => {
      this.#laneRetry = undefined;
      this.#reopenLane();
      this.#dispatch();
    }, laneRetryMs);
  }

  #reopenLane(): void {
    this.#laneFull = false;
    this.#requeueAt = 0;
  }

  /** Sets the timer for the next due slot (or the next poll); `retryInMs` after a failed tick. */
  #arm(retryInMs?: number): void {
    if (!this.#started || this.#stopping || this.#ticking) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    const now = this.#clock.now();
    let earliest = now + this.#pollMs;
    if (retryInMs !== undefined) earliest = now + retryInMs;
    else {
      for (const job of this.#jobs.values()) {
        if (job.nextRunAt !== undefined && job.nextRunAt < earliest && isJobEnabled(job))
          earliest = job.nextRunAt;
      }
    }
    this.#timer = this.#clock.setTimeout(() => this.#runTick(), Math.max(0, earliest - now));
  }

  /**
   * Writes a run's progress as one commit, waiting out store failures that end by themselves (a lock, a
   * full disk): a finished run's result is only in memory until it is written. Gives up at a stop (the
   * run then stays `running` in the store, and the next start marks it interrupted).
   */
  async #persist(writes: SchedulerWrite[]): Promise<void> {
    await this.#untilWritten(() => this.#store.batch(writes));
  }

  /** `write` again after each store failure that ends by itself (see #persist); gives up at a stop. */
  #untilWritten<T>(write: () => Promise<T>): Promise<T> {
    return untilWritten(write, {
      failures: this.#failures,
      clock: this.#clock,
      stopping: () => this.#stopping,
    });
  }

  async #reloadJobs(): Promise<void> {
    const jobs = await this.#store.listJobs();
    this.#jobs.clear();
    for (const job of jobs) this.#jobs.set(job.id, job);
  }

  #newRun(
    definition: JobConfig,
    trigger: RunTrigger,
    slotTime: number | undefined,
    extra: Partial<RunRecord> = {},
  ): RunRecord {
    return newRun(this.#newId(), this.#clock.now(), definition, trigger, slotTime, extra);
  }

  /** The queued retry of an interrupted run. */
  #newRetry(definition: JobConfig, retryOf: string): RunRecord {
    return this.#newRun(definition, 'retry', undefined, { retryOf });
  }

  #view(job: StoredJob): JobView {
    return jobView(job, this.#config.scheduler?.minIntervalMs);
  }
}
