import { Lane } from '../agents/lane.ts';
import { newTurnTotals, runAgentTurn } from '../agents/run-agent-turn.ts';
import type { BackgroundFailures } from '../contracts/background-failures.ts';
import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import type { AgentConfig, JobConfig, PyramidConfig } from '../contracts/pyramid-config.ts';
import {
  processStoppedMessage,
  type RunFilter,
  type RunRecord,
  type RunTrigger,
  type SchedulerStore,
  type SchedulerWrite,
  type StoreChanges,
  type StoredJob,
} from '../contracts/scheduler-store.ts';
import type { SessionInfo, SessionStore } from '../contracts/session-store.ts';
import type { Router } from '../router/router.ts';
import { isolatedSessionId, mainSessionId } from '../sessions/session-ids.ts';
import { createBackoffFailures } from '../store/create-backoff-failures.ts';
import { type Clock, systemClock } from './clock.ts';
import type { JobSlots } from './job-slots.ts';
import { JobSlotsCache } from './job-slots-cache.ts';
import type { RunOutputSink } from './run-output-sink.ts';
import { throttleAdvice, throttledInterval } from './throttled-interval.ts';

export type SchedulerOptions = {
  config: PyramidConfig;
  router: Pick<Router, 'complete' | 'explain'>;
  store: SchedulerStore;
  sessions: SessionStore;
  clock?: Clock;
  newId?: () => string;
  fetch?: typeof fetch;
  /** Receives finished runs' output (delivery); without one, every run's deliveryStatus is `none`. */
  outputSink?: RunOutputSink;
  /** USD an agent spent since a time (the ledger), for agents' spend caps. */
  spentSince?: (sinceMs: number, agentId: string) => number | Promise<number>;
  /** A slot later than this when its time comes is a missed slot and follows the job's catchUp (default 60 s). */
  graceMs?: number;
  /** How often to look for jobs changed by another process (default 2 s). */
  pollMs?: number;
  /** Something worth a log line happened. */
  onEvent?: (event: SchedulerEvent) => void;
  /** What the timer does when the store fails it (default: back off and try again). */
  failures?: BackgroundFailures;
  /**
   * Several processes share the store (PostgreSQL): runs are started under a lease this process renews
   * (`owner`: a name unique to it; `leaseMs`, default 30 s), the agent lane counts every process's runs,
   * and a run whose holder died is interrupted (and retried) when its lease ends, instead of every
   * running run being interrupted at start, which is right only for the store's one process.
   */
  leases?: { owner: string; leaseMs?: number };
};

export type SchedulerEvent =
  | { type: 'run-finished'; run: RunRecord }
  | { type: 'sink-failed'; run: RunRecord; error: unknown }
  /** At start and at reload: an enabled job whose schedule fires more often than scheduler.minInterval. */
  | { type: 'job-throttled'; job: JobView; message: string }
  /**
   * A run this process ran under a lease ended after another process (or this one's sweeper) had
   * interrupted it once its lease ran out: `run` is the result that was not written over that.
   */
  | { type: 'run-lost'; run: RunRecord; message: string };

/** A job as listings show it. */
export type JobView = {
  id: string;
  source: StoredJob['source'];
  enabled: boolean;
  nextRunAt?: number;
  /** Its schedule fires more often than scheduler.minInterval: it runs at most this often instead. */
  throttledToMs?: number;
  definition: JobConfig;
};

/** `leased`: the store holds this process's lease on it; `lost`: another process took it over. */
type Running = {
  run: RunRecord;
  controller: AbortController;
  done: Promise<void>;
  leased?: boolean;
  lost?: boolean;
};

const interruptedMessage = 'the scheduler stopped while the run was running';

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
  readonly subagents: Lane;
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
  #heartbeat: unknown;
  /** Another process's runs fill the platform's agent lane: nothing starts before the next tick. */
  #laneFull = false;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#config = options.config;
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#newId = options.newId ?? (() => crypto.randomUUID());
    this.#graceMs = options.graceMs ?? 60_000;
    this.#pollMs = options.pollMs ?? 2000;
    this.#agentLimit = options.config.concurrency?.agents ?? 2;
    this.subagents = new Lane(options.config.concurrency?.subagents ?? 4);
    this.#failures = options.failures ?? createBackoffFailures();
    this.#leases = options.leases && {
      owner: options.leases.owner,
      leaseMs: options.leases.leaseMs ?? 30_000,
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
    await this.reconcile();
    await this.#recordFirstStart(now);
    this.#reportThrottled();
    if (this.#leases) {
      const interrupted = await this.#interruptExpired(now);
      for (const run of await this.#store.activeRuns()) if (run.status === 'queued') this.#enqueue(run);
      this.#seen = await this.#store.changes();
      this.#beat();
      this.#runTick();
      return { interrupted };
    }
    const interrupted = (await this.#store.activeRuns())
      .filter((run) => run.status === 'running')
      .map((run) => ({
        ...run,
        status: 'interrupted' as const,
        finishedAt: Math.round(now),
        error: processStoppedMessage,
      }));
    const retries: SchedulerWrite[] = [];
    for (const run of interrupted) {
      const job = this.#jobs.get(run.jobId);
      if (job && job.definition.retries > 0 && run.trigger !== 'retry') {
        retries.push({
          op: 'insertRun',
          run: this.#newRun(job.definition, 'retry', undefined, { retryOf: run.id }),
        });
      }
    }
    // One commit: a crash between marking a run interrupted and writing its retry would lose the retry
    // (the next start finds nothing running).
    await this.#store.batch([{ op: 'interruptRunning', now }, ...retries]);
    for (const run of await this.#store.activeRuns()) this.#enqueue(run);
    this.#seen = await this.#store.changes();
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
    if (this.#heartbeat !== undefined) this.#clock.clearTimeout(this.#heartbeat);
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
    const writes = this.#reconcileWrites(await this.#store.listJobs(), this.#clock.now());
    // One commit, however many jobs changed.
    if (writes.length > 0) await this.#store.batch(writes);
    await this.#reloadJobs();
  }

  /**
   * Every job as reconcile would leave it, without writing anything: for read-only commands (`jobs
   * list`), so that looking at the jobs before the first start stores no slot that the start would
   * then find missed and catch up.
   */
  async previewJobs(): Promise<JobView[]> {
    const stored = new Map((await this.#store.listJobs()).map((job) => [job.id, job]));
    for (const write of this.#reconcileWrites([...stored.values()], this.#clock.now())) {
      if (write.op === 'deleteJob') stored.delete(write.id);
      else if (write.op === 'putJob') stored.set(write.job.id, write.job);
    }
    return [...stored.values()].sort((a, b) => a.id.localeCompare(b.id)).map((job) => this.#view(job));
  }

  /** The writes that bring stored config jobs in line with the config file. */
  #reconcileWrites(jobs: StoredJob[], now: number): SchedulerWrite[] {
    const configured = this.#config.jobs ?? {};
    const writes: SchedulerWrite[] = [];
    {
      const stored = new Map(jobs.map((job) => [job.id, job]));
      for (const job of stored.values()) {
        if (job.source === 'config' && !(job.id in configured)) writes.push({ op: 'deleteJob', id: job.id });
      }
      for (const definition of Object.values(configured)) {
        const existing = stored.get(definition.id);
        if (
          existing &&
          existing.source === 'config' &&
          JSON.stringify(existing.definition) === JSON.stringify(definition)
        ) {
          continue;
        }
        const sameSchedule =
          existing && JSON.stringify(existing.definition.schedule) === JSON.stringify(definition.schedule);
        const enabledNow =
          existing !== undefined &&
          !this.#enabled(existing) &&
          (existing.enabledOverride ?? definition.enabled);
        const nextRunAt = !sameSchedule
          ? this.#firstSlot(definition, now)
          : enabledNow
            ? this.#resumeSlot(definition, existing.nextRunAt, now)
            : existing?.nextRunAt;
        writes.push({
          op: 'putJob',
          job: {
            id: definition.id,
            source: 'config',
            definition,
            ...(existing?.enabledOverride === undefined ? {} : { enabledOverride: existing.enabledOverride }),
            ...this.#nextRunField(nextRunAt),
            createdAt: existing?.createdAt ?? now,
            updatedAt: now,
          },
        });
      }
    }
    return writes;
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
   * The first start on this store has nothing to catch up: slots that passed before it (stored by `jobs
   * add` or `jobs enable`, which store the config jobs too, before Pyramid ever ran) are not missed
   * slots, so each job resumes at its first slot within the grace window. A one-off `at` keeps its
   * time. Recorded in the store with those moves, so a later start after downtime does catch up.
   */
  async #recordFirstStart(now: number): Promise<void> {
    const writes: SchedulerWrite[] = [];
    for (const job of this.#jobs.values()) {
      if (job.nextRunAt === undefined || job.nextRunAt >= now - this.#graceMs) continue;
      if (job.definition.schedule.kind === 'at') continue;
      const nextRunAt = this.#slotsOf(job.definition).next(now - this.#graceMs - 1);
      writes.push({ op: 'setNextRun', id: job.id, nextRunAt });
    }
    await this.#store.recordFirstStart(now, writes);
    // Another process's first start may have moved them instead.
    await this.#reloadJobs();
  }

  /** Tells onEvent about every enabled job its schedule would run faster than scheduler.minInterval. */
  #reportThrottled(): void {
    const minIntervalMs = this.#config.scheduler?.minIntervalMs;
    if (minIntervalMs === undefined) return;
    for (const job of this.#jobs.values()) {
      if (!this.#enabled(job) || throttledInterval(job.definition.schedule, minIntervalMs) === undefined)
        continue;
      this.#options.onEvent?.({
        type: 'job-throttled',
        job: this.#view(job),
        message: throttleAdvice({ ...job, schedule: job.definition.schedule }, minIntervalMs),
      });
    }
  }

  /** Adds a job defined by CLI or API (already validated by defineJob). */
  async addJob(definition: JobConfig): Promise<JobView> {
    this.#checkAgent(definition);
    if (await this.#store.getJob(definition.id)) {
      throw new PyramidError('job_exists', `a job named "${definition.id}" already exists`);
    }
    const now = this.#clock.now();
    await this.#store.putJob({
      id: definition.id,
      source: 'store',
      definition,
      ...this.#nextRunField(this.#firstSlot(definition, now)),
      createdAt: now,
      updatedAt: now,
    });
    await this.#reloadJobs();
    this.#arm();
    return this.#view(await this.#requireJob(definition.id));
  }

  /** Replaces a stored job's definition; config jobs are edited in pyramid.yaml. */
  async editJob(definition: JobConfig): Promise<JobView> {
    const existing = await this.#requireJob(definition.id);
    if (existing.source === 'config') {
      throw new PyramidError(
        'job_from_config',
        `job "${definition.id}" is defined in pyramid.yaml: edit it there`,
      );
    }
    this.#checkAgent(definition);
    const now = this.#clock.now();
    const sameSchedule = JSON.stringify(existing.definition.schedule) === JSON.stringify(definition.schedule);
    await this.#store.putJob({
      ...existing,
      definition,
      ...this.#nextRunField(sameSchedule ? existing.nextRunAt : this.#firstSlot(definition, now)),
      updatedAt: now,
    });
    await this.#reloadJobs();
    this.#arm();
    return this.#view(await this.#requireJob(definition.id));
  }

  /** Removes a stored job (its run history stays). */
  async removeJob(id: string): Promise<void> {
    const existing = await this.#requireJob(id);
    if (existing.source === 'config') {
      throw new PyramidError('job_from_config', `job "${id}" is defined in pyramid.yaml: remove it there`);
    }
    await this.#store.deleteJob(id);
    await this.#reloadJobs();
  }

  /** Enables or disables a job (config jobs too: the switch is stored and wins over the file). */
  async setEnabled(id: string, enabled: boolean): Promise<JobView> {
    const job = await this.#requireJob(id);
    const now = this.#clock.now();
    const writes: SchedulerWrite[] = [{ op: 'setEnabledOverride', id, enabled, now }];
    if (enabled && !this.#enabled(job)) {
      writes.push({ op: 'setNextRun', id, nextRunAt: this.#resumeSlot(job.definition, job.nextRunAt, now) });
    }
    await this.#store.batch(writes);
    await this.#reloadJobs();
    this.#arm();
    return this.#view(await this.#requireJob(id));
  }

  /** Queues a run of a job now, outside its schedule (no slot); returns the queued run. */
  async runNow(id: string): Promise<RunRecord> {
    const job = await this.#requireJob(id);
    this.#checkAgent(job.definition);
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
    this.#laneFull = false;
    if (this.#leases) await this.#interruptExpired(this.#clock.now());
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
      for (const run of await this.#store.activeRuns())
        if (!known.has(run.id) && run.status === 'queued') this.#enqueue(run);
    }
    this.#seen = changes;
    const now = this.#clock.now();
    const due = [...this.#jobs.values()].filter(
      (job) => job.nextRunAt !== undefined && job.nextRunAt <= now && this.#enabled(job),
    );
    // Claimed a chunk at a time, each chunk one commit (one round trip or so on PostgreSQL), instead
    // of one claim after another: thousands of jobs due in the same minute are claimed in time.
    for (let start = 0; start < due.length; start += claimChunk) {
      if (this.#stopping) return;
      await this.#fire(due.slice(start, start + claimChunk), now);
    }
  }

  /**
   * Claims the latest due slot of each job (older missed ones collapse into it) and moves its next slot,
   * all in one commit; a missed slot of a `catchUp: skip` job only moves its next slot.
   */
  async #fire(jobs: StoredJob[], now: number): Promise<void> {
    const claims: { job: StoredJob; run: RunRecord; nextRunAt: number | undefined; skip: boolean }[] = [];
    const skipped: { job: StoredJob; nextRunAt: number | undefined }[] = [];
    for (const job of jobs) {
      const slots = this.#slotsOf(job.definition);
      const latest = slots.latest(now) ?? (job.nextRunAt as number);
      // Never sooner than scheduler.minInterval after this slot, whatever a job stored before the limit
      // (or before it was raised) asks for; a schedule within the limit is not changed by this.
      const minIntervalMs = this.#config.scheduler?.minIntervalMs ?? 0;
      const next = slots.next(Math.max(latest, latest + minIntervalMs - 1, now));
      const onTime = latest >= now - this.#graceMs;
      const trigger: RunTrigger = onTime ? 'schedule' : 'catch-up';
      if (!onTime && job.definition.catchUp === 'skip') {
        skipped.push({ job, nextRunAt: next });
        continue;
      }
      const busy = (this.#active.get(job.id) ?? 0) > 0;
      const skip = busy && job.definition.overlap === 'skip';
      const run = this.#newRun(
        job.definition,
        trigger,
        latest,
        skip
          ? {
              status: 'skipped',
              finishedAt: now,
              error: 'overlap: the previous run was still queued or running',
            }
          : {},
      );
      claims.push({ job, run, nextRunAt: next, skip });
    }
    if (skipped.length > 0) {
      await this.#store.batch(
        skipped.map(({ job, nextRunAt }) => ({ op: 'setNextRun' as const, id: job.id, nextRunAt })),
      );
      for (const { job, nextRunAt } of skipped) job.nextRunAt = nextRunAt;
    }
    if (claims.length === 0) return;
    const claimed = await this.#store.claimSlots(claims.map(({ run, nextRunAt }) => ({ run, nextRunAt })));
    // Moved only once the store has it: after a failed claim the next tick tries the same slots again.
    for (const [index, { job, run, nextRunAt, skip }] of claims.entries()) {
      job.nextRunAt = nextRunAt;
      if (claimed[index] && !skip) this.#enqueue(run);
    }
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

  /**
   * What a run holds while it runs: its job (one run per job at a time) and, for a main-session job, the
   * agent's main session, so that two turns (or a system event and a turn) never interleave in it.
   */
  #exclusiveKeys(run: RunRecord): string[] {
    const definition = this.#jobs.get(run.jobId)?.definition;
    return definition?.session === 'main'
      ? [`job\u0000${run.jobId}`, `session\u0000${mainSessionId(definition.agent)}`]
      : [`job\u0000${run.jobId}`];
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
      const outcome = await this.#startLeased(run);
      if (outcome !== 'started') {
        Object.assign(run, queued);
        if (outcome === 'lane-full') {
          // Another process's runs fill the platform's lane: this one waits for a tick with room.
          this.#laneFull = true;
          this.#queue.unshift(run);
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
      await this.#checkSpendCap(agent);
      await this.#runPayload(run, job.definition, agent, controller.signal);
      run.status = 'ok';
      const deliverable = run.output !== undefined && run.output.trim() !== '' && !run.noReply;
      run.deliveryStatus = deliverable && this.#options.outputSink ? 'pending' : 'none';
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

  async #runPayload(run: RunRecord, job: JobConfig, agent: AgentConfig, signal: AbortSignal): Promise<void> {
    const now = () => this.#clock.now();
    if (job.payload.kind === 'systemEvent') {
      // A system event has no turn of its own: it joins the main session for the agent's next turn there.
      const session = this.#session(mainSessionId(agent.id), 'main', agent, job, run);
      await this.#options.sessions.ensure(session);
      await this.#options.sessions.append(
        session.id,
        [{ role: 'user', content: `[system event] ${job.payload.text}` }],
        now(),
      );
      run.sessionId = session.id;
      return;
    }
    const session =
      job.session === 'main'
        ? this.#session(mainSessionId(agent.id), 'main', agent, job, run)
        : this.#session(isolatedSessionId(job.id, run.id), 'isolated', agent, job, run);
    // Filled in call by call, so that a run that fails (step limit, timeout) still records what it spent.
    const totals = newTurnTotals();
    try {
      const result = await runAgentTurn({
        router: this.#options.router,
        sessions: this.#options.sessions,
        agent,
        session,
        message: job.payload.message,
        ...(job.output ? { output: job.output } : {}),
        subagents: this.subagents,
        signal,
        now,
        totals,
        ...(this.#options.fetch ? { fetch: this.#options.fetch } : {}),
      });
      run.output = result.output;
      run.noReply = result.noReply;
    } finally {
      run.tiers = totals.tiers;
      run.models = totals.models;
      run.escalations = totals.escalations;
      run.costUsd = totals.costUsd;
      run.usage = totals.usage;
    }
  }

  #session(
    id: string,
    kind: 'main' | 'isolated',
    agent: AgentConfig,
    job: JobConfig,
    run: RunRecord,
  ): SessionInfo {
    return kind === 'main'
      ? { id, kind, agentId: agent.id, createdAt: this.#clock.now() }
      : { id, kind, agentId: agent.id, jobId: job.id, runId: run.id, createdAt: this.#clock.now() };
  }

  async #checkSpendCap(agent: AgentConfig): Promise<void> {
    if (agent.spendCapUsd === undefined || !this.#options.spentSince) return;
    const dayStart = Math.floor(this.#clock.now() / 86_400_000) * 86_400_000;
    const spent = await this.#options.spentSince(dayStart, agent.id);
    if (spent >= agent.spendCapUsd) {
      throw new PyramidError(
        'agent_spend_cap',
        `agent ${agent.id} reached its spend cap of $${agent.spendCapUsd} for today ($${spent.toFixed(4)} spent)`,
      );
    }
  }

  /** startRuns of one run under this process's lease, waiting out store failures that end by themselves. */
  async #startLeased(run: RunRecord): Promise<'started' | 'taken' | 'lane-full'> {
    const leases = this.#leases as { owner: string; leaseMs: number };
    for (;;) {
      try {
        const [outcome] = await this.#store.startRuns(
          [{ ...run }],
          { owner: leases.owner, until: this.#clock.now() + leases.leaseMs },
          this.#agentLimit,
        );
        return outcome;
      } catch (error) {
        if (this.#stopping) throw error;
        const delay = this.#failures.failed('scheduler', error);
        await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, delay));
      }
    }
  }

  /**
   * Renews this process's run leases every third of their length. A run the store no longer lists as
   * held (another process found its lease ended, say after the store was unreachable for that long) is
   * aborted here: it is being retried elsewhere.
   */
  #beat(): void {
    const leases = this.#leases;
    if (!leases || this.#stopping) return;
    this.#heartbeat = this.#clock.setTimeout(async () => {
      try {
        const held = new Set(
          await this.#store.renewRunLeases(leases.owner, this.#clock.now() + leases.leaseMs),
        );
        for (const entry of this.#running.values()) {
          if (entry.leased && entry.run.status === 'running' && !held.has(entry.run.id) && !entry.lost) {
            entry.lost = true;
            entry.controller.abort(new Error('another process took the run over after its lease ended'));
          }
        }
        this.#failures.succeeded('run-leases');
      } catch (error) {
        this.#failures.failed('run-leases', error);
      }
      this.#beat();
    }, leases.leaseMs / 3);
  }

  /**
   * Interrupts the running runs whose lease ended (their process died), each with its retry when the
   * job has retries, in one commit per run; a run another process interrupted first is skipped.
   */
  async #interruptExpired(now: number): Promise<RunRecord[]> {
    const interrupted: RunRecord[] = [];
    for (const run of await this.#store.expiredRuns(now)) {
      if (this.#running.has(run.id)) continue;
      const job = this.#jobs.get(run.jobId);
      const retry =
        job && job.definition.retries > 0 && run.trigger !== 'retry'
          ? this.#newRun(job.definition, 'retry', undefined, { retryOf: run.id })
          : undefined;
      if (await this.#store.interruptExpired(run.id, now, retry)) {
        interrupted.push({
          ...run,
          status: 'interrupted',
          finishedAt: Math.round(now),
          error: processStoppedMessage,
        });
        if (retry) this.#enqueue(retry);
      }
    }
    return interrupted;
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
        if (job.nextRunAt !== undefined && job.nextRunAt < earliest && this.#enabled(job))
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
  async #untilWritten<T>(write: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await write();
      } catch (error) {
        if (this.#stopping) throw error;
        const delay = this.#failures.failed('scheduler', error);
        await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, delay));
      }
    }
  }

  async #reloadJobs(): Promise<void> {
    const jobs = await this.#store.listJobs();
    this.#jobs.clear();
    for (const job of jobs) this.#jobs.set(job.id, job);
  }

  #slotsOf(definition: JobConfig): JobSlots {
    return this.#slots.get(definition.schedule);
  }

  /** The first slot of a new job: at or after now (a past `at` is kept, and catchUp decides). */
  #firstSlot(definition: JobConfig, now: number): number | undefined {
    if (definition.schedule.kind === 'at') return definition.schedule.atMs;
    return this.#slotsOf(definition).next(now - 1);
  }

  /**
   * The next slot of a job being enabled: its slots that passed while it was disabled are not missed
   * slots (catchUp is for downtime), so it resumes at or after now; a one-off `at` keeps its time.
   */
  #resumeSlot(definition: JobConfig, nextRunAt: number | undefined, now: number): number | undefined {
    return definition.schedule.kind === 'at' ? nextRunAt : this.#firstSlot(definition, now);
  }

  #nextRunField(nextRunAt: number | undefined): { nextRunAt?: number } {
    return nextRunAt === undefined ? {} : { nextRunAt };
  }

  #enabled(job: StoredJob): boolean {
    return job.enabledOverride ?? job.definition.enabled;
  }

  async #requireJob(id: string): Promise<StoredJob> {
    const job = await this.#store.getJob(id);
    if (!job) throw new PyramidError('job_not_found', `no job named "${id}" (see pyramid jobs list)`);
    return job;
  }

  #checkAgent(definition: JobConfig): void {
    if (!this.#config.agents?.[definition.agent]) {
      const known = Object.keys(this.#config.agents ?? {});
      throw new PyramidError(
        'agent_missing',
        `unknown agent "${definition.agent}"${known.length ? ` (known: ${known.join(', ')})` : ' (no agents are defined)'}`,
      );
    }
  }

  #newRun(
    definition: JobConfig,
    trigger: RunTrigger,
    slotTime: number | undefined,
    extra: Partial<RunRecord> = {},
  ): RunRecord {
    return {
      id: this.#newId(),
      jobId: definition.id,
      agentId: definition.agent,
      trigger,
      ...(slotTime === undefined ? {} : { slotTime }),
      attempt: 0,
      status: 'queued',
      queuedAt: this.#clock.now(),
      noReply: false,
      tiers: [],
      models: [],
      escalations: [],
      costUsd: 0,
      usage: { input: 0, output: 0 },
      deliveryStatus: 'none',
      ...extra,
    };
  }

  #view(job: StoredJob): JobView {
    const throttledToMs = throttledInterval(job.definition.schedule, this.#config.scheduler?.minIntervalMs);
    return {
      id: job.id,
      source: job.source,
      enabled: this.#enabled(job),
      ...(job.nextRunAt === undefined ? {} : { nextRunAt: job.nextRunAt }),
      ...(throttledToMs === undefined ? {} : { throttledToMs }),
      definition: job.definition,
    };
  }
}

function errorText(error: unknown): string {
  if (error instanceof PyramidError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
