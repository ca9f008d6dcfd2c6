import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { JobConfig } from '../contracts/pyramid-config.ts';
import {
  processStoppedMessage,
  type RunRecord,
  type SchedulerStore,
  type SchedulerWrite,
  type StoredJob,
} from '../contracts/scheduler-store.ts';
import type { Synchronous } from '../contracts/synchronous.ts';
import { queuedAsGiven } from './queued-as-given.ts';
import { transaction } from './transaction.ts';

type Row = Record<string, SQLInputValue>;

const runColumns = `id, job_id, agent_id, trigger, slot_time, attempt, status, queued_at, started_at, finished_at,
  session_id, output, no_reply, error, tiers, models, escalations, cost_usd, input_tokens, output_tokens,
  delivery_status, retry_of, not_before`;

/** The SchedulerStore on a node:sqlite database opened by openSqlite, answering synchronously. */
export function createSqliteSchedulerStore(db: DatabaseSync): Synchronous<SchedulerStore> {
  const selectJobs = db.prepare('SELECT * FROM jobs ORDER BY id');
  const selectJob = db.prepare('SELECT * FROM jobs WHERE id = ?');
  const upsertJob = db.prepare(`
    INSERT INTO jobs (id, source, definition, enabled_override, next_run_at, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET source = excluded.source, definition = excluded.definition,
      enabled_override = excluded.enabled_override, next_run_at = excluded.next_run_at,
      updated_at = excluded.updated_at`);
  const removeJob = db.prepare('DELETE FROM jobs WHERE id = ?');
  const setOverride = db.prepare('UPDATE jobs SET enabled_override = ?, updated_at = ? WHERE id = ?');
  const setNext = db.prepare('UPDATE jobs SET next_run_at = ? WHERE id = ?');
  const insertRunIfFree = db.prepare(
    `INSERT INTO runs (${runColumns}) VALUES (${runColumns
      .split(',')
      .map(() => '?')
      .join(', ')})
     ON CONFLICT DO NOTHING`,
  );
  const updateRunRow = db.prepare(`
    UPDATE runs SET trigger = ?, slot_time = ?, attempt = ?, status = ?, queued_at = ?, started_at = ?,
      finished_at = ?, session_id = ?, output = ?, no_reply = ?, error = ?, tiers = ?, models = ?,
      escalations = ?, cost_usd = ?, input_tokens = ?, output_tokens = ?, delivery_status = ?, retry_of = ?,
      not_before = ?
    WHERE id = ?`);
  const finishHeld = db.prepare(`
    UPDATE runs SET trigger = ?, slot_time = ?, attempt = ?, status = ?, queued_at = ?, started_at = ?,
      finished_at = ?, session_id = ?, output = ?, no_reply = ?, error = ?, tiers = ?, models = ?,
      escalations = ?, cost_usd = ?, input_tokens = ?, output_tokens = ?, delivery_status = ?, retry_of = ?,
      not_before = ?
    WHERE id = ? AND status = 'running' AND lease_owner = ?`);
  const selectRun = db.prepare('SELECT * FROM runs WHERE id = ?');
  const selectActive = db.prepare(
    "SELECT * FROM runs WHERE status IN ('queued', 'running') ORDER BY queued_at, id",
  );
  const selectQueued = db.prepare(
    "SELECT * FROM runs WHERE status = 'queued' ORDER BY queued_at, id LIMIT ?",
  );
  const selectRunning = db.prepare("SELECT * FROM runs WHERE status = 'running'");
  const selectAwaitingDelivery = db.prepare(
    "SELECT * FROM runs WHERE delivery_status = 'pending' AND status NOT IN ('queued', 'running') ORDER BY queued_at, id",
  );
  const setDelivery = db.prepare('UPDATE runs SET delivery_status = ? WHERE id = ?');
  const markInterrupted = db.prepare(
    "UPDATE runs SET status = 'interrupted', finished_at = ?, error = ? WHERE status = 'running'",
  );
  const dataVersion = db.prepare('PRAGMA data_version');
  const selectStatus = db.prepare('SELECT status, not_before FROM runs WHERE id = ?');
  const countRunning = db.prepare("SELECT COUNT(*) AS n FROM runs WHERE status = 'running'");
  const setLease = db.prepare('UPDATE runs SET lease_owner = ?, lease_until = ? WHERE id = ?');
  const renewLeases = db.prepare(
    "UPDATE runs SET lease_until = ? WHERE lease_owner = ? AND status = 'running' RETURNING id",
  );
  const selectExpired = db.prepare(
    "SELECT * FROM runs WHERE status = 'running' AND (lease_until IS NULL OR lease_until < ?) ORDER BY queued_at, id",
  );
  const interruptOne = db.prepare(`
    UPDATE runs SET status = 'interrupted', finished_at = ?, error = ?, lease_owner = NULL, lease_until = NULL
    WHERE id = ? AND status = 'running' AND (lease_until IS NULL OR lease_until < ?)`);
  const insertFirstStart = db.prepare(
    'INSERT INTO scheduler_state (id, first_started_at) VALUES (1, ?) ON CONFLICT DO NOTHING',
  );
  // Joins the caller's transaction when there is one (a batch groups several writes in one).
  const atomically = <T>(work: () => T): T => (db.isTransaction ? work() : transaction(db, work));

  /** Each claim's run if its slot is free, and the job's next slot either way, in one commit. */
  const claimSlots = (claims: readonly { run: RunRecord; nextRunAt: number | undefined }[]): boolean[] =>
    atomically(() =>
      claims.map(({ run, nextRunAt }) => {
        const inserted = Number(insertRunIfFree.run(...runValues(run)).changes) > 0;
        setNext.run(nextRunAt === undefined ? null : Math.round(nextRunAt), run.jobId);
        return inserted;
      }),
    );

  const store: Synchronous<SchedulerStore> = {
    batch(writes) {
      atomically(() => {
        for (const write of writes) apply(write);
      });
    },
    recordFirstStart(now, writes) {
      return atomically(() => {
        if (Number(insertFirstStart.run(Math.round(now)).changes) === 0) return false;
        for (const write of writes) apply(write);
        return true;
      });
    },
    listJobs: () => (selectJobs.all() as Row[]).map(toJob),
    getJob(id) {
      const row = selectJob.get(id) as Row | undefined;
      return row ? toJob(row) : undefined;
    },
    putJob(job) {
      upsertJob.run(
        job.id,
        job.source,
        JSON.stringify(job.definition),
        job.enabledOverride === undefined ? null : job.enabledOverride ? 1 : 0,
        job.nextRunAt === undefined ? null : Math.round(job.nextRunAt),
        Math.round(job.createdAt),
        Math.round(job.updatedAt),
      );
    },
    deleteJob: (id) => Number(removeJob.run(id).changes) > 0,
    setEnabledOverride: (id, enabled, now) =>
      Number(setOverride.run(enabled === undefined ? null : enabled ? 1 : 0, Math.round(now), id).changes) >
      0,
    setNextRun(id, nextRunAt) {
      setNext.run(nextRunAt === undefined ? null : Math.round(nextRunAt), id);
    },
    claimSlots,
    insertRun(run) {
      insertRunIfFree.run(...runValues(run));
    },
    updateRun(run) {
      const [id, , , ...rest] = runValues(run);
      updateRunRow.run(...rest, id);
    },
    runsAwaitingDelivery: () => (selectAwaitingDelivery.all() as Row[]).map(toRun),
    setDeliveryStatus(runId, status) {
      setDelivery.run(status, runId);
    },
    getRun(id) {
      const row = selectRun.get(id) as Row | undefined;
      return row ? toRun(row) : undefined;
    },
    listRuns(filter = {}) {
      const where: string[] = [];
      const values: SQLInputValue[] = [];
      if (filter.jobId !== undefined) {
        where.push('job_id = ?');
        values.push(filter.jobId);
      }
      if (filter.status !== undefined) {
        where.push('status = ?');
        values.push(filter.status);
      }
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      const limit = filter.limit === undefined ? '' : `LIMIT ${Math.max(0, Math.trunc(filter.limit))}`;
      const rows = db
        .prepare(`SELECT * FROM runs ${clause} ORDER BY queued_at DESC, id DESC ${limit}`)
        .all(...values);
      return (rows as Row[]).map(toRun);
    },
    activeRuns: () => (selectActive.all() as Row[]).map(toRun),
    queuedRuns: (limit) => (selectQueued.all(Math.max(0, Math.trunc(limit))) as Row[]).map(toRun),
    interruptRunning(now) {
      return atomically(() => {
        const running = (selectRunning.all() as Row[]).map(toRun);
        markInterrupted.run(Math.round(now), processStoppedMessage);
        return running.map((run) => ({
          ...run,
          status: 'interrupted' as const,
          finishedAt: Math.round(now),
          error: processStoppedMessage,
        }));
      });
    },
    // One process writes this store (the CLI aside): any other connection's commit may have changed either.
    changes() {
      const version = Number((dataVersion.get() as Row).data_version);
      return { jobs: version, runs: version };
    },
    startRuns(runs, lease, maxRunning) {
      return atomically(() => {
        let running = Number((countRunning.get() as Row).n);
        return runs.map((run) => {
          if (!queuedAsGiven(selectStatus.get(run.id) as Row | undefined, run)) return 'taken' as const;
          if (running >= maxRunning) return 'lane-full' as const;
          store.updateRun(run);
          setLease.run(lease.owner, Math.round(lease.until), run.id);
          running++;
          return 'started' as const;
        });
      });
    },
    finishRun(run, owner, retry) {
      return atomically(() => {
        const [id, , , ...rest] = runValues(run);
        const changed = Number(finishHeld.run(...rest, id, owner).changes) > 0;
        if (changed && retry) store.insertRun(retry);
        return changed;
      });
    },
    renewRunLeases: (owner, until) =>
      (renewLeases.all(Math.round(until), owner) as Row[]).map((row) => String(row.id)),
    expiredRuns: (now) => (selectExpired.all(Math.round(now)) as Row[]).map(toRun),
    interruptExpired(runId, now, retry) {
      return atomically(() => {
        const changed = Number(
          interruptOne.run(Math.round(now), processStoppedMessage, runId, Math.round(now)).changes,
        );
        if (changed > 0 && retry) store.insertRun(retry);
        return changed > 0;
      });
    },
  };
  const apply = (write: SchedulerWrite): void => {
    switch (write.op) {
      case 'putJob':
        store.putJob(write.job);
        return;
      case 'deleteJob':
        store.deleteJob(write.id);
        return;
      case 'setEnabledOverride':
        store.setEnabledOverride(write.id, write.enabled, write.now);
        return;
      case 'setNextRun':
        store.setNextRun(write.id, write.nextRunAt);
        return;
      case 'insertRun':
        store.insertRun(write.run);
        return;
      case 'updateRun':
        store.updateRun(write.run);
        return;
      case 'interruptRunning':
        store.interruptRunning(write.now);
        return;
    }
  };
  return store;
}

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);
const roundOrNull = (value: number | undefined) => (value === undefined ? null : Math.round(value));

function runValues(run: RunRecord): SQLInputValue[] {
  return [
    run.id,
    run.jobId,
    run.agentId,
    run.trigger,
    roundOrNull(run.slotTime),
    run.attempt,
    run.status,
    Math.round(run.queuedAt),
    roundOrNull(run.startedAt),
    roundOrNull(run.finishedAt),
    orNull(run.sessionId),
    orNull(run.output),
    run.noReply ? 1 : 0,
    orNull(run.error),
    JSON.stringify(run.tiers),
    JSON.stringify(run.models),
    JSON.stringify(run.escalations),
    run.costUsd,
    Math.round(run.usage.input),
    Math.round(run.usage.output),
    run.deliveryStatus,
    orNull(run.retryOf),
    roundOrNull(run.notBefore),
  ];
}

function toRun(row: Row): RunRecord {
  return {
    id: String(row.id),
    jobId: String(row.job_id),
    agentId: String(row.agent_id),
    trigger: row.trigger as RunRecord['trigger'],
    ...(row.slot_time !== null && { slotTime: Number(row.slot_time) }),
    attempt: Number(row.attempt),
    status: row.status as RunRecord['status'],
    queuedAt: Number(row.queued_at),
    ...(row.started_at !== null && { startedAt: Number(row.started_at) }),
    ...(row.finished_at !== null && { finishedAt: Number(row.finished_at) }),
    ...(row.session_id !== null && { sessionId: String(row.session_id) }),
    ...(row.output !== null && { output: String(row.output) }),
    noReply: Number(row.no_reply) === 1,
    ...(row.error !== null && { error: String(row.error) }),
    tiers: JSON.parse(String(row.tiers)) as number[],
    models: JSON.parse(String(row.models)) as string[],
    escalations: JSON.parse(String(row.escalations)) as RunRecord['escalations'],
    costUsd: Number(row.cost_usd),
    usage: { input: Number(row.input_tokens), output: Number(row.output_tokens) },
    deliveryStatus: String(row.delivery_status),
    ...(row.retry_of !== null && { retryOf: String(row.retry_of) }),
    ...(row.not_before !== null && row.not_before !== undefined && { notBefore: Number(row.not_before) }),
  };
}

function toJob(row: Row): StoredJob {
  return {
    id: String(row.id),
    source: row.source as StoredJob['source'],
    definition: JSON.parse(String(row.definition)) as JobConfig,
    ...(row.enabled_override !== null && { enabledOverride: Number(row.enabled_override) === 1 }),
    ...(row.next_run_at !== null && { nextRunAt: Number(row.next_run_at) }),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
