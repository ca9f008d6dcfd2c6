import type { JobConfig } from './pyramid-config.ts';

export const runStatuses = ['queued', 'running', 'ok', 'error', 'timeout', 'skipped', 'interrupted'] as const;
export type RunStatus = (typeof runStatuses)[number];

/** Why a run exists: its scheduled slot, a missed slot caught up after downtime, by hand, or a retry after an interruption. */
export type RunTrigger = 'schedule' | 'catch-up' | 'manual' | 'retry';

/** `none`: nothing to deliver (NO_REPLY, no output, no sink); `pending`: handed to delivery. Delivery may add its own. */
export type DeliveryStatus = 'none' | 'pending' | (string & {});

/** One run of a job, as the history keeps it. */
export type RunRecord = {
  id: string;
  jobId: string;
  agentId: string;
  trigger: RunTrigger;
  /** The scheduled time this run serves (ms); undefined for manual runs and retries of interrupted runs. */
  slotTime?: number;
  /** Attempts made (retries after errors or timeouts add one each). */
  attempt: number;
  status: RunStatus;
  queuedAt: number;
  startedAt?: number;
  finishedAt?: number;
  sessionId?: string;
  /** The final text of the agent turn. */
  output?: string;
  /** The agent answered exactly NO_REPLY: nothing to deliver. */
  noReply: boolean;
  error?: string;
  /** Tiers and models that answered, in call order. */
  tiers: number[];
  models: string[];
  escalations: { fromTier: number; reason: string }[];
  costUsd: number;
  usage: { input: number; output: number };
  deliveryStatus: DeliveryStatus;
  /** The interrupted run this one retries. */
  retryOf?: string;
  /** A queued run may not start before this (ms): a retry waiting out its backoff. */
  notBefore?: number;
};

/** A job as stored: from the config file (reconciled at start) or added by CLI/API. */
export type StoredJob = {
  id: string;
  source: 'config' | 'store';
  definition: JobConfig;
  /** `pyramid jobs enable|disable`, which wins over the definition's `enabled`. */
  enabledOverride?: boolean;
  /** The next slot not yet claimed (ms); undefined when none is left (a past `at`). */
  nextRunAt?: number;
  createdAt: number;
  updatedAt: number;
};

/** The error of a run found `running` after the process that ran it stopped (a crash or kill). */
export const processStoppedMessage = 'the process stopped while the run was running';

/**
 * A process's hold on a run it is running, when several processes share one store: `owner` names the
 * process, and the hold ends at `until` (ms) unless renewed. A run whose lease ended is one whose process
 * died: any process marks it interrupted (and queues its retry), once.
 */
export type RunLease = { owner: string; until: number };

/** What `startRuns` did with a run: started it, or not because another process started it first or the platform's agent lane is full. */
export type StartRunOutcome = 'started' | 'taken' | 'lane-full';

/** See SchedulerStore.changes. */
export type StoreChanges = { jobs: number; runs: number };

/** One slot to claim: its run, and the job's next slot after it. */
export type SlotClaim = { run: RunRecord; nextRunAt: number | undefined };

export type RunFilter = { jobId?: string; status?: RunStatus; limit?: number };

/** A write `SchedulerStore.batch` can group with others into one commit. */
export type SchedulerWrite =
  | { op: 'putJob'; job: StoredJob }
  | { op: 'deleteJob'; id: string }
  | { op: 'setEnabledOverride'; id: string; enabled: boolean | undefined; now: number }
  | { op: 'setNextRun'; id: string; nextRunAt: number | undefined }
  | { op: 'insertRun'; run: RunRecord }
  | { op: 'updateRun'; run: RunRecord }
  | { op: 'interruptRunning'; now: number };

/** Jobs and run history. SQLite is the embedded implementation; every method is one atomic step. */
export interface SchedulerStore {
  listJobs(): Promise<StoredJob[]>;
  getJob(id: string): Promise<StoredJob | undefined>;
  /** Inserts or replaces a job, keeping its enabled override unless given. */
  putJob(job: StoredJob): Promise<void>;
  deleteJob(id: string): Promise<boolean>;
  setEnabledOverride(id: string, enabled: boolean | undefined, now: number): Promise<boolean>;
  setNextRun(id: string, nextRunAt: number | undefined): Promise<void>;
  /**
   * Records each claim's run for its slot and moves its job's next slot, in order, as one commit (a
   * tick's due jobs in one round trip): true for each claim whose run was recorded, false (no run
   * written) for a slot that already had a run; every job's next slot moves either way (the last claim
   * of a job wins).
   */
  claimSlots(claims: SlotClaim[]): Promise<boolean[]>;
  insertRun(run: RunRecord): Promise<void>;
  updateRun(run: RunRecord): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  listRuns(filter?: RunFilter): Promise<RunRecord[]>;
  /** Runs queued or running, oldest first. */
  activeRuns(): Promise<RunRecord[]>;
  /**
   * At most `limit` queued runs, oldest first (a scheduler picking up runs other processes added: a
   * backlog of thousands is not reread whole at every tick).
   */
  queuedRuns(limit: number): Promise<RunRecord[]>;
  /** Finished runs whose output is still on its way (deliveryStatus `pending`), oldest first. */
  runsAwaitingDelivery(): Promise<RunRecord[]>;
  /** Sets a run's delivery status alone (the outbox settles it once its deliveries are final). */
  setDeliveryStatus(runId: string, status: DeliveryStatus): Promise<void>;
  /** Marks every `running` run `interrupted` (after a crash of the only process); returns them. */
  interruptRunning(now: number): Promise<RunRecord[]>;
  /**
   * Starts queued runs for `lease.owner`, in order, as one commit: each run is written (status
   * `running`) with the lease while fewer than `maxRunning` runs (over every process) are running.
   * Per run: `started`; `taken` (nothing written) when it is no longer queued as given (its `notBefore`
   * differs: a stale copy of a run another process ran and queued again for a retry); `lane-full`
   * (nothing written) once the lane is full. For several processes on one store; SQLite's single process may use
   * it too.
   */
  startRuns(runs: RunRecord[], lease: RunLease, maxRunning: number): Promise<StartRunOutcome[]>;
  /**
   * Writes the result of a run `owner` started under its lease (a final status, or `queued` again for a
   * retry after an error; either ends the lease, which holds `running` runs only), with `retry` inserted
   * in the same commit, only while the run is still `running` under `owner`'s lease. False (nothing written) when it is not: another
   * process (or the sweeper) interrupted it after its lease ended, and that status stands. An owner
   * whose lease ran out while nobody interrupted the run still finishes it.
   */
  finishRun(run: RunRecord, owner: string, retry?: RunRecord): Promise<boolean>;
  /** Extends every lease `owner` holds on a running run to `until`; returns the ids of the runs it holds. */
  renewRunLeases(owner: string, until: number): Promise<string[]>;
  /** Running runs whose lease ended before `now` (or that have none), oldest first. */
  expiredRuns(now: number): Promise<RunRecord[]>;
  /**
   * Marks one running run `interrupted` if its lease still ended before `now`, and inserts `retry` with
   * it in the same commit. False (nothing written) when it was renewed, finished, or interrupted by
   * another process first: so a dead process's run is interrupted and retried once however many look.
   */
  interruptExpired(runId: string, now: number, retry?: RunRecord): Promise<boolean>;
  /**
   * The first start of a scheduler on this store: records it and applies `writes` (the jobs' slots moved
   * past the time it was down before it ever ran) in the same commit, true. False, with nothing
   * written, when a start was recorded before, by this process or another one.
   */
  recordFirstStart(now: number, writes: SchedulerWrite[]): Promise<boolean>;
  /** Applies the writes in order as one commit: all of them or none. */
  batch(writes: SchedulerWrite[]): Promise<void>;
  /**
   * Counters that change when another connection commits: `jobs` for a job added, removed, redefined,
   * enabled or disabled (not for a next slot moved), `runs` for a run added (a manual run, a retry, a
   * slot another process claimed). The scheduler rereads jobs, or active runs, only when one moved.
   */
  changes(): Promise<StoreChanges>;
}
