import type { Pool } from 'pg';
import type {
  ChannelType,
  DeliveryChunk,
  DeliveryFilter,
  DeliveryKind,
  DeliveryRecord,
  DeliveryState,
  DeliveryStore,
} from '../../contracts/delivery.ts';
import { postgresTransaction } from './postgres-transaction.ts';

type Row = Record<string, unknown>;

const columns = `delivery_id, kind, run_id, job_id, agent_id, channel, channel_type, target_to, target_thread,
  state, chunk_count, chunks_sent, attempts, failures_in_a_row, next_attempt_at, last_error, last_error_code,
  created_at, updated_at, delivered_at, note`;

// Every process's outbox claims under this advisory lock, one claim at a time: the check that no older
// delivery to the same target is held by another live worker (which keeps a chat's messages in order)
// then reads the leases the claim before it committed. Claims are one short statement, so they queue briefly.
const claimLock = 7_310_432_119;

const sameTarget = `o.state = 'pending' AND o.channel = d.channel AND o.target_to IS NOT DISTINCT FROM d.target_to
  AND o.target_thread IS NOT DISTINCT FROM d.target_thread AND o.created_at <= d.created_at
  AND o.delivery_id <> d.delivery_id`;

// FOR UPDATE SKIP LOCKED: a delivery another transaction is writing right now (a chunk marked sent, a
// retry) is passed over, not waited for; its lease decides once that transaction has committed.
const claimSql = `
  UPDATE deliveries SET lease_owner = $1, lease_until = $2
  WHERE delivery_id IN (
    SELECT d.delivery_id FROM deliveries d
    WHERE d.state = 'pending' AND d.next_attempt_at <= $3 AND (d.lease_until IS NULL OR d.lease_until <= $3)
      AND NOT EXISTS (SELECT 1 FROM deliveries o WHERE ${sameTarget} AND o.lease_until > $3 AND o.lease_owner <> $1)
    ORDER BY d.created_at, d.delivery_id COLLATE "C" LIMIT $4
    FOR UPDATE OF d SKIP LOCKED)
  RETURNING ${columns}`;

// A delivery waiting behind an older one to the same target that a worker holds is not claimable before
// that lease ends either (see the SQLite store).
const nextDueSql = `
  SELECT MIN(GREATEST(d.next_attempt_at, COALESCE(d.lease_until, 0),
    COALESCE((SELECT MAX(o.lease_until) FROM deliveries o WHERE ${sameTarget}), 0))) AS due
  FROM deliveries d WHERE d.state = 'pending'`;

function toRecord(row: Row): DeliveryRecord {
  const optional = (value: unknown) => (value === null ? undefined : (value as string));
  return {
    id: row.delivery_id as string,
    kind: row.kind as DeliveryKind,
    runId: optional(row.run_id),
    jobId: optional(row.job_id),
    agentId: optional(row.agent_id),
    channel: row.channel as string,
    channelType: row.channel_type as ChannelType | 'unknown',
    to: optional(row.target_to),
    thread: optional(row.target_thread),
    state: row.state as DeliveryState,
    chunkCount: Number(row.chunk_count),
    chunksSent: Number(row.chunks_sent),
    attempts: Number(row.attempts),
    failuresInARow: Number(row.failures_in_a_row),
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: optional(row.last_error),
    lastErrorCode: optional(row.last_error_code),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    deliveredAt: row.delivered_at === null ? undefined : Number(row.delivered_at),
    ...(row.note === null ? {} : { note: row.note as string }),
  };
}

/** The DeliveryStore on PostgreSQL: leases shared by every process's outbox. */
export function createPostgresDeliveryStore(pool: Pool): DeliveryStore {
  const changed = async (sql: string, values: unknown[]) =>
    ((await pool.query(sql, values)).rowCount ?? 0) > 0;
  return {
    async insert(deliveries) {
      if (deliveries.length === 0) return;
      await postgresTransaction(pool, async (client) => {
        for (const { record, chunks } of deliveries) {
          await client.query(
            `INSERT INTO deliveries (${columns}) VALUES (${columns
              .split(',')
              .map((_, index) => `$${index + 1}`)
              .join(', ')})`,
            [
              record.id,
              record.kind,
              record.runId ?? null,
              record.jobId ?? null,
              record.agentId ?? null,
              record.channel,
              record.channelType,
              record.to ?? null,
              record.thread ?? null,
              record.state,
              record.chunkCount,
              record.chunksSent,
              record.attempts,
              record.failuresInARow,
              Math.round(record.nextAttemptAt),
              record.lastError ?? null,
              record.lastErrorCode ?? null,
              Math.round(record.createdAt),
              Math.round(record.updatedAt),
              record.deliveredAt === undefined ? null : Math.round(record.deliveredAt),
              record.note ?? null,
            ],
          );
          if (chunks.length > 0) {
            await client.query(
              `INSERT INTO delivery_chunks (delivery_id, seq, body)
               SELECT $1, m.ord - 1, m.body FROM unnest($2::text[]) WITH ORDINALITY AS m(body, ord)`,
              [record.id, chunks],
            );
          }
        }
      });
    },

    async get(id) {
      const { rows } = await pool.query(`SELECT ${columns} FROM deliveries WHERE delivery_id = $1`, [id]);
      return rows.length > 0 ? toRecord(rows[0] as Row) : undefined;
    },

    async chunks(id) {
      const { rows } = await pool.query(
        'SELECT seq, body, sent_at, remote_id FROM delivery_chunks WHERE delivery_id = $1 ORDER BY seq',
        [id],
      );
      return (rows as Row[]).map(
        (row): DeliveryChunk => ({
          seq: Number(row.seq),
          body: row.body as string,
          ...(row.sent_at === null ? {} : { sentAt: Number(row.sent_at) }),
          ...(row.remote_id === null ? {} : { remoteId: row.remote_id as string }),
        }),
      );
    },

    async claimDue({ now, owner, leaseMs, limit }) {
      const rows = await postgresTransaction(pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [claimLock]);
        return (await client.query(claimSql, [owner, Math.round(now + leaseMs), Math.round(now), limit]))
          .rows;
      });
      return (rows as Row[])
        .map(toRecord)
        .sort((left, right) => left.createdAt - right.createdAt || (left.id < right.id ? -1 : 1));
    },

    async markChunkSent(id, seq, { now, remoteId, leaseUntil, note }) {
      await postgresTransaction(pool, async (client) => {
        await client.query(
          'UPDATE delivery_chunks SET sent_at = $1, remote_id = $2 WHERE delivery_id = $3 AND seq = $4',
          [Math.round(now), remoteId ?? null, id, seq],
        );
        await client.query(
          `UPDATE deliveries SET chunks_sent = GREATEST(chunks_sent, $1), failures_in_a_row = 0, updated_at = $2,
             lease_until = $3,
             note = CASE WHEN $4::text IS NULL THEN note WHEN note IS NULL THEN $4 ELSE note || '; ' || $4 END
           WHERE delivery_id = $5`,
          [seq + 1, Math.round(now), Math.round(leaseUntil), note ?? null, id],
        );
      });
    },

    async markDelivered(id, now) {
      await pool.query(
        `UPDATE deliveries SET state = 'delivered', delivered_at = $1, updated_at = $1, lease_owner = NULL,
           lease_until = NULL, last_error = NULL, last_error_code = NULL
         WHERE delivery_id = $2`,
        [Math.round(now), id],
      );
    },

    async markRetry(id, { now, nextAttemptAt, error, code }) {
      await pool.query(
        `UPDATE deliveries SET attempts = attempts + 1, failures_in_a_row = failures_in_a_row + 1,
           next_attempt_at = $1, last_error = $2, last_error_code = $3, updated_at = $4, lease_owner = NULL,
           lease_until = NULL
         WHERE delivery_id = $5`,
        [Math.round(nextAttemptAt), error, code, Math.round(now), id],
      );
    },

    async markFailed(id, { now, error, code }) {
      await pool.query(
        `UPDATE deliveries SET state = 'failed', attempts = attempts + 1, failures_in_a_row = failures_in_a_row + 1,
           last_error = $1, last_error_code = $2, updated_at = $3, lease_owner = NULL, lease_until = NULL
         WHERE delivery_id = $4`,
        [error, code, Math.round(now), id],
      );
    },

    async release(id) {
      await pool.query(
        'UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE delivery_id = $1',
        [id],
      );
    },

    requeue: (id, now) =>
      changed(
        `UPDATE deliveries SET state = 'pending', failures_in_a_row = 0, next_attempt_at = $1, updated_at = $1,
           lease_owner = NULL, lease_until = NULL
         WHERE delivery_id = $2 AND state = 'failed'`,
        [Math.round(now), id],
      ),

    async list(filter: DeliveryFilter = {}) {
      const where: string[] = [];
      const values: unknown[] = [];
      if (filter.state) {
        values.push(filter.state);
        where.push(`state = $${values.length}`);
      }
      if (filter.runId) {
        values.push(filter.runId);
        where.push(`run_id = $${values.length}`);
      }
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      values.push(filter.limit ?? 100);
      const { rows } = await pool.query(
        `SELECT ${columns} FROM deliveries ${clause}
         ORDER BY created_at DESC, delivery_id COLLATE "C" DESC LIMIT $${values.length}`,
        values,
      );
      return (rows as Row[]).map(toRecord);
    },

    renewLease: (id, owner, leaseUntil) =>
      changed(
        "UPDATE deliveries SET lease_until = $1 WHERE delivery_id = $2 AND lease_owner = $3 AND state = 'pending'",
        [Math.round(leaseUntil), id, owner],
      ),

    async nextClaimableAt() {
      const { rows } = await pool.query(nextDueSql);
      return rows[0].due === null ? undefined : Number(rows[0].due);
    },
  };
}
