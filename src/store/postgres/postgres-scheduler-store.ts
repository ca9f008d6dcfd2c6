import type { Pool, PoolClient } from 'pg';
import type { JobConfig } from '../../contracts/pyramid-config.ts';
import {
  processStoppedMessage,
  type RunRecord,
  type SchedulerStore,
  type SchedulerWrite,
  type StoredJob,
} from '../../contracts/scheduler-store.ts';
import { queuedAsGiven } from '../queued-as-given.ts';
import { postgresTransaction } from './postgres-transaction.ts';

type Row = Record<string, unknown>;
type Queryable = Pool | PoolClient;

// Every process's run starts queue on this advisory lock (see startRuns).
const laneLock = 7_310_432_120;

const runColumns = `id, job_id, agent_id, trigger, slot_time, attempt, status, queued_at, started_at, finished_at,
  session_id, output, no_reply, error, tiers, models, escalations, cost_usd, input_tokens, output_tokens,
  delivery_status, retry_of, not_before`;
const runParameters = runColumns
  .split(',')
  .map((_, index) => `$${index + 1}`)
  .join(', ');

// Runs per INSERT in claimSlots: PostgreSQL takes at most 65,535 parameters per statement.
const claimsPerInsert = 1000;

const upsertJobSql = `
  INSERT INTO jobs (id, source, definition, enabled_override, next_run_at, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (id) DO UPDATE SET source = excluded.source, definition = excluded.definition,
    enabled_override = excluded.enabled_override, next_run_at = excluded.next_run_at,
    updated_at = excluded.updated_at`;
const updateRunSql = `
  UPDATE runs SET trigger = $2, slot_time = $3, attempt = $4, status = $5, queued_at = $6, started_at = $7,
    finished_at = $8, session_id = $9, output = $10, no_reply = $11, error = $12, tiers = $13, models = $14,
    escalations = $15, cost_usd = $16, input_tokens = $17, output_tokens = $18, delivery_status = $19,
    retry_of = $20, not_before = $21
  WHERE id = $1`;
// updateRunSql, only while `$22` holds the run's lease (its owner stays on the row: who ran it).
const finishRunSql = `
  UPDATE runs SET trigger = $2, slot_time = $3, attempt = $4, status = $5, queued_at = $6, started_at = $7,
    finished_at = $8, session_id = $9, output = $10, no_reply = $11, error = $12, tiers = $13, models = $14,
    escalations = $15, cost_usd = $16, input_tokens = $17, output_tokens = $18, delivery_status = $19,
    retry_of = $20, not_before = $21
  WHERE id = $1 AND status = 'running' AND lease_owner = $22`;

/** The SchedulerStore on PostgreSQL: the same semantics as SQLite's, for several processes at once. */
export function createPostgresSchedulerStore(pool: Pool): SchedulerStore {
  const putJob = async (db: Queryable, job: StoredJob) => {
    if (job.definition === undefined) throw new TypeError(`job ${job.id} has no definition`);
    await db.query(upsertJobSql, [
      job.id,
      job.source,
      JSON.stringify(job.definition),
      job.enabledOverride ?? null,
      roundOrNull(job.nextRunAt),
      Math.round(job.createdAt),
      Math.round(job.updatedAt),
    ]);
  };
  const deleteJob = async (db: Queryable, id: string) =>
    ((await db.query('DELETE FROM jobs WHERE id = $1', [id])).rowCount ?? 0) > 0;
  const setEnabledOverride = async (db: Queryable, id: string, enabled: boolean | undefined, now: number) =>
    ((
      await db.query('UPDATE jobs SET enabled_override = $1, updated_at = $2 WHERE id = $3', [
        enabled ?? null,
        Math.round(now),
        id,
      ])
    ).rowCount ?? 0) > 0;
  const setNextRun = async (db: Queryable, id: string, nextRunAt: number | undefined) => {
    await db.query('UPDATE jobs SET next_run_at = $1 WHERE id = $2', [roundOrNull(nextRunAt), id]);
  };
  // Any unique conflict (the run's id, or its slot) is a run already there, as SQLite's ON CONFLICT DO NOTHING.
  const insertRun = async (db: Queryable, run: RunRecord) => {
    await db.query(
      `INSERT INTO runs (${runColumns}) VALUES (${runParameters}) ON CONFLICT DO NOTHING`,
      runValues(run),
    );
  };
  const updateRun = async (db: Queryable, run: RunRecord) => {
    const [id, , , ...rest] = runValues(run);
    await db.query(updateRunSql, [id, ...rest]);
  };
  const interruptRunning = async (db: Queryable, now: number) => {
    const { rows } = await db.query(
      `UPDATE runs SET status = 'interrupted', finished_at = $1, error = $2 WHERE status = 'running' RETURNING *`,
      [Math.round(now), processStoppedMessage],
    );
    return (rows as Row[]).map(toRun);
  };
  const apply = async (db: Queryable, write: SchedulerWrite): Promise<void> => {
    switch (write.op) {
      case 'putJob':
        return putJob(db, write.job);
      case 'deleteJob':
        await deleteJob(db, write.id);
        return;
      case 'setEnabledOverride':
        await setEnabledOverride(db, write.id, write.enabled, write.now);
        return;
      case 'setNextRun':
        return setNextRun(db, write.id, write.nextRunAt);
      case 'insertRun':
        return insertRun(db, write.run);
      case 'updateRun':
        return updateRun(db, write.run);
      case 'interruptRunning':
        await interruptRunning(db, write.now);
        return;
    }
  };
  const runs = async (sql: string, values: unknown[] = []) =>
    ((await pool.query(sql, values)).rows as Row[]).map(toRun);

  return {
    async batch(writes) {
      await postgresTransaction(pool, async (client) => {
        for (const write of writes) await apply(client, write);
      });
    },
    recordFirstStart: (now, writes) =>
      postgresTransaction(pool, async (client) => {
        // A second process starting at the same time waits here for the first one's commit, and then
        // reads the slots it moved.
        const { rowCount } = await client.query(
          'INSERT INTO scheduler_state (id, first_started_at) VALUES (1, $1) ON CONFLICT DO NOTHING',
          [Math.round(now)],
        );
        if ((rowCount ?? 0) === 0) return false;
        for (const write of writes) await apply(client, write);
        return true;
      }),
    listJobs: async () =>
      ((await pool.query('SELECT * FROM jobs ORDER BY id COLLATE "C"')).rows as Row[]).map(toJob),
    async getJob(id) {
      const { rows } = await pool.query('SELECT * FROM jobs WHERE id = $1', [id]);
      return rows.length > 0 ? toJob(rows[0] as Row) : undefined;
    },
    putJob: (job) => putJob(pool, job),
    deleteJob: (id) => deleteJob(pool, id),
    setEnabledOverride: (id, enabled, now) => setEnabledOverride(pool, id, enabled, now),
    setNextRun: (id, nextRunAt) => setNextRun(pool, id, nextRunAt),
    async claimSlots(claims) {
      if (claims.length === 0) return [];
      const claimed = await postgresTransaction(pool, async (client) => {
        // Runs first, then next slots, and both in job order, so that processes
        // claiming overlapping jobs wait for each other instead of deadlocking.
        const byJob = [...claims].sort((a, b) =>
          a.run.jobId < b.run.jobId ? -1 : a.run.jobId > b.run.jobId ? 1 : 0,
        );
        const inserted = new Set<string>();
        for (let start = 0; start < byJob.length; start += claimsPerInsert) {
          const chunk = byJob.slice(start, start + claimsPerInsert);
          const values = chunk.flatMap(({ run }) => runValues(run));
          const width = values.length / chunk.length;
          const rows = chunk
            .map(
              (_, row) =>
                `(${Array.from({ length: width }, (_, column) => `$${row * width + column + 1}`).join(', ')})`,
            )
            .join(', ');
          const result = await client.query(
            `INSERT INTO runs (${runColumns}) VALUES ${rows}
             ON CONFLICT (job_id, slot_time) WHERE slot_time IS NOT NULL DO NOTHING
             RETURNING id`,
            values,
          );
          for (const row of result.rows as Row[]) inserted.add(String(row.id));
        }
        // The last claim of a job wins, as one claim after another would leave it.
        const next = new Map(claims.map(({ run, nextRunAt }) => [run.jobId, roundOrNull(nextRunAt)]));
        await client.query(
          `WITH next AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS n(id, next_run_at)),
             locked AS (SELECT jobs.id FROM jobs JOIN next ON next.id = jobs.id ORDER BY jobs.id FOR NO KEY UPDATE OF jobs)
           UPDATE jobs SET next_run_at = next.next_run_at FROM locked JOIN next ON next.id = locked.id
           WHERE jobs.id = locked.id`,
          [[...next.keys()], [...next.values()]],
        );
        return inserted;
      });
      return claims.map(({ run }) => claimed.has(run.id));
    },
    insertRun: (run) => insertRun(pool, run),
    updateRun: (run) => updateRun(pool, run),
    async getRun(id) {
      const [run] = await runs('SELECT * FROM runs WHERE id = $1', [id]);
      return run;
    },
    listRuns(filter = {}) {
      const where: string[] = [];
      const values: unknown[] = [];
      if (filter.jobId !== undefined) {
        values.push(filter.jobId);
        where.push(`job_id = $${values.length}`);
      }
      if (filter.status !== undefined) {
        values.push(filter.status);
        where.push(`status = $${values.length}`);
      }
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      const limit = filter.limit === undefined ? '' : `LIMIT ${Math.max(0, Math.trunc(filter.limit))}`;
      return runs(
        `SELECT * FROM runs ${clause} ORDER BY queued_at DESC, id COLLATE "C" DESC ${limit}`,
        values,
      );
    },
    activeRuns: () =>
      runs(`SELECT * FROM runs WHERE status IN ('queued', 'running') ORDER BY queued_at, id COLLATE "C"`),
    queuedRuns: (limit) =>
      runs(`SELECT * FROM runs WHERE status = 'queued' ORDER BY queued_at, id COLLATE "C" LIMIT $1`, [
        Math.max(0, Math.trunc(limit)),
      ]),
    runsAwaitingDelivery: () =>
      runs(
        `SELECT * FROM runs WHERE delivery_status = 'pending' AND status NOT IN ('queued', 'running') ORDER BY queued_at, id COLLATE "C"`,
      ),
    async setDeliveryStatus(runId, status) {
      await pool.query('UPDATE runs SET delivery_status = $1 WHERE id = $2', [status, runId]);
    },
    async interruptRunning(now) {
      return (await interruptRunning(pool, now)).sort(
        (a, b) => a.queuedAt - b.queuedAt || (a.id < b.id ? -1 : 1),
      );
    },
    async startRuns(runs, lease, maxRunning) {
      if (runs.length === 0) return [];
      return postgresTransaction(pool, async (client) => {
        // Starts queue on one advisory lock, so that counting the running runs of every process and
        // starting more are one step: the agent lane holds for the whole platform.
        await client.query('SELECT pg_advisory_xact_lock($1)', [laneLock]);
        const { rows } = await client.query(
          `SELECT id, status, not_before, (SELECT COUNT(*) FROM runs WHERE status = 'running') AS running
           FROM runs WHERE id = ANY($1::text[]) ORDER BY id COLLATE "C" FOR UPDATE OF runs`,
          [runs.map((run) => run.id)],
        );
        const stored = new Map((rows as Row[]).map((row) => [String(row.id), row]));
        const queued = new Set(
          runs.filter((run) => queuedAsGiven(stored.get(run.id), run)).map((run) => run.id),
        );
        let running = rows.length > 0 ? Number((rows[0] as Row).running) : 0;
        const started: RunRecord[] = [];
        const outcomes = runs.map((run) => {
          if (!queued.has(run.id)) return 'taken' as const;
          if (running >= maxRunning) return 'lane-full' as const;
          queued.delete(run.id);
          started.push(run);
          running++;
          return 'started' as const;
        });
        if (started.length > 0) {
          // One statement for every run started: a start holds the lane's lock, so it stays short.
          await client.query(
            `UPDATE runs SET trigger = x.trigger, slot_time = x.slot_time, attempt = x.attempt, status = x.status,
               queued_at = x.queued_at, started_at = x.started_at, finished_at = x.finished_at,
               session_id = x.session_id, output = x.output, no_reply = x.no_reply, error = x.error,
               tiers = x.tiers, models = x.models, escalations = x.escalations, cost_usd = x.cost_usd,
               input_tokens = x.input_tokens, output_tokens = x.output_tokens,
               delivery_status = x.delivery_status, retry_of = x.retry_of, not_before = x.not_before,
               lease_owner = $2, lease_until = $3
             FROM jsonb_to_recordset($1::jsonb) AS x(${runRecordsetColumns})
             WHERE runs.id = x.id`,
            [JSON.stringify(started.map(runObject)), lease.owner, Math.round(lease.until)],
          );
        }
        return outcomes;
      });
    },
    async finishRun(run, owner, retry) {
      const [id, , , ...rest] = runValues(run);
      // Without a retry to insert with it, one statement is the whole commit: one round trip, not three.
      if (!retry) return ((await pool.query(finishRunSql, [id, ...rest, owner])).rowCount ?? 0) > 0;
      return postgresTransaction(pool, async (client) => {
        const { rowCount } = await client.query(finishRunSql, [id, ...rest, owner]);
        if ((rowCount ?? 0) === 0) return false;
        await insertRun(client, retry);
        return true;
      });
    },
    async renewRunLeases(owner, until) {
      const { rows } = await pool.query(
        "UPDATE runs SET lease_until = $1 WHERE lease_owner = $2 AND status = 'running' RETURNING id",
        [Math.round(until), owner],
      );
      return rows.map((row) => String(row.id));
    },
    expiredRuns: (now) =>
      runs(
        `SELECT * FROM runs WHERE status = 'running' AND (lease_until IS NULL OR lease_until < $1)
         ORDER BY queued_at, id COLLATE "C"`,
        [Math.round(now)],
      ),
    interruptExpired: (runId, now, retry) =>
      postgresTransaction(pool, async (client) => {
        const { rowCount } = await client.query(
          `UPDATE runs SET status = 'interrupted', finished_at = $1, error = $2, lease_owner = NULL, lease_until = NULL
           WHERE id = $3 AND status = 'running' AND (lease_until IS NULL OR lease_until < $1)`,
          [Math.round(now), processStoppedMessage, runId],
        );
        if ((rowCount ?? 0) === 0) return false;
        if (retry) await insertRun(client, retry);
        return true;
      }),
    async changes() {
      const { rows } = await pool.query('SELECT counter, runs_counter FROM store_changes WHERE id = 1');
      return { jobs: Number(rows[0].counter), runs: Number(rows[0].runs_counter) };
    },
  };
}

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);
const roundOrNull = (value: number | undefined) => (value === undefined ? null : Math.round(value));

function runValues(run: RunRecord): unknown[] {
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
    run.noReply,
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

// The runs columns and their types, for jsonb_to_recordset (runObject's keys).
const runRecordsetColumns = `id text, job_id text, agent_id text, trigger text, slot_time bigint, attempt integer,
  status text, queued_at bigint, started_at bigint, finished_at bigint, session_id text, output text,
  no_reply boolean, error text, tiers text, models text, escalations text, cost_usd double precision,
  input_tokens bigint, output_tokens bigint, delivery_status text, retry_of text, not_before bigint`;
const runKeys = runColumns.split(',').map((column) => column.trim());

/** runValues keyed by column, for a statement that takes many runs as one JSON parameter. */
function runObject(run: RunRecord): Record<string, unknown> {
  const values = runValues(run);
  return Object.fromEntries(runKeys.map((key, index) => [key, values[index]]));
}

/** A runs row as the scheduler reads it (also used by the store copy). */
export function toRun(row: Row): RunRecord {
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
    noReply: row.no_reply === true,
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
    ...(row.enabled_override !== null && { enabledOverride: row.enabled_override === true }),
    ...(row.next_run_at !== null && { nextRunAt: Number(row.next_run_at) }),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
