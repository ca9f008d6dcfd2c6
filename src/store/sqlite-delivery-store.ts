import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type {
  ChannelType,
  DeliveryChunk,
  DeliveryFilter,
  DeliveryKind,
  DeliveryRecord,
  DeliveryState,
  DeliveryStore,
} from '../contracts/delivery.ts';
import type { Synchronous } from '../contracts/synchronous.ts';
import { transaction } from './transaction.ts';

type Row = Record<string, SQLInputValue>;

const columns = `delivery_id, kind, run_id, job_id, agent_id, channel, channel_type, target_to, target_thread,
  state, chunk_count, chunks_sent, attempts, failures_in_a_row, next_attempt_at, last_error, last_error_code,
  created_at, updated_at, delivered_at, note`;

function toRecord(row: Row): DeliveryRecord {
  const optional = (value: SQLInputValue) => (value === null ? undefined : (value as string));
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

/** The DeliveryStore on a node:sqlite database opened by openSqlite (its schema already migrated). */
export function createSqliteDeliveryStore(db: DatabaseSync): Synchronous<DeliveryStore> {
  const insertDelivery = db.prepare(
    `INSERT INTO deliveries (${columns}) VALUES (${columns
      .split(',')
      .map(() => '?')
      .join(', ')})`,
  );
  const insertChunk = db.prepare(
    'INSERT INTO delivery_chunks (delivery_id, seq, body, sent_at) VALUES (?, ?, ?, ?)',
  );
  const selectOne = db.prepare(`SELECT ${columns} FROM deliveries WHERE delivery_id = ?`);
  const selectChunks = db.prepare(
    'SELECT seq, body, sent_at, remote_id FROM delivery_chunks WHERE delivery_id = ? ORDER BY seq',
  );
  // A delivery waits while an older one to the same target is held by another live worker, so a chat
  // gets its messages in order even when a killed worker's leases run out one by one.
  const claim = db.prepare(`
    UPDATE deliveries SET lease_owner = :owner, lease_until = :leaseUntil
    WHERE delivery_id IN (
      SELECT d.delivery_id FROM deliveries d
      WHERE d.state = 'pending' AND d.next_attempt_at <= :now AND (d.lease_until IS NULL OR d.lease_until <= :now)
        AND NOT EXISTS (
          SELECT 1 FROM deliveries o
          WHERE o.state = 'pending' AND o.channel = d.channel AND o.target_to IS d.target_to
            AND o.target_thread IS d.target_thread AND o.created_at <= d.created_at
            AND o.delivery_id <> d.delivery_id AND o.lease_until > :now AND o.lease_owner <> :owner)
      ORDER BY d.created_at, d.delivery_id LIMIT :limit)
    RETURNING ${columns}`);
  const chunkSent = db.prepare(
    'UPDATE delivery_chunks SET sent_at = ?, remote_id = ? WHERE delivery_id = ? AND seq = ?',
  );
  const progress = db.prepare(`
    UPDATE deliveries SET chunks_sent = MAX(chunks_sent, :sent), failures_in_a_row = 0, updated_at = :now,
      lease_until = :leaseUntil,
      note = CASE WHEN :note IS NULL THEN note WHEN note IS NULL THEN :note ELSE note || '; ' || :note END
    WHERE delivery_id = :id`);
  const delivered = db.prepare(`
    UPDATE deliveries SET state = 'delivered', delivered_at = ?, updated_at = ?, lease_owner = NULL,
      lease_until = NULL, last_error = NULL, last_error_code = NULL
    WHERE delivery_id = ?`);
  const retry = db.prepare(`
    UPDATE deliveries SET attempts = attempts + 1, failures_in_a_row = failures_in_a_row + 1,
      next_attempt_at = ?, last_error = ?, last_error_code = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL
    WHERE delivery_id = ?`);
  const failed = db.prepare(`
    UPDATE deliveries SET state = 'failed', attempts = attempts + 1, failures_in_a_row = failures_in_a_row + 1,
      last_error = ?, last_error_code = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL
    WHERE delivery_id = ?`);
  const release = db.prepare(
    'UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE delivery_id = ?',
  );
  const requeue = db.prepare(`
    UPDATE deliveries SET state = 'pending', failures_in_a_row = 0, next_attempt_at = ?, updated_at = ?,
      lease_owner = NULL, lease_until = NULL
    WHERE delivery_id = ? AND state = 'failed'`);
  // A delivery waiting behind an older one to the same target that a worker holds is not claimable
  // before that lease ends either: counting it as due now would wake an idle worker over and over.
  const nextDue = db.prepare(`
    SELECT MIN(MAX(d.next_attempt_at, COALESCE(d.lease_until, 0), COALESCE((
      SELECT MAX(o.lease_until) FROM deliveries o
      WHERE o.state = 'pending' AND o.channel = d.channel AND o.target_to IS d.target_to
        AND o.target_thread IS d.target_thread AND o.created_at <= d.created_at
        AND o.delivery_id <> d.delivery_id), 0))) AS due
    FROM deliveries d WHERE d.state = 'pending'`);
  const renew = db.prepare(`
    UPDATE deliveries SET lease_until = ? WHERE delivery_id = ? AND lease_owner = ? AND state = 'pending'`);

  return {
    insert(deliveries) {
      transaction(db, () => {
        for (const { record, chunks } of deliveries) {
          insertDelivery.run(
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
            record.nextAttemptAt,
            record.lastError ?? null,
            record.lastErrorCode ?? null,
            record.createdAt,
            record.updatedAt,
            record.deliveredAt ?? null,
            record.note ?? null,
          );
          chunks.forEach((body, seq) => {
            insertChunk.run(record.id, seq, body, null);
          });
        }
      });
    },

    get(id) {
      const row = selectOne.get(id) as Row | undefined;
      return row ? toRecord(row) : undefined;
    },

    chunks(id) {
      return (selectChunks.all(id) as Row[]).map(
        (row): DeliveryChunk => ({
          seq: Number(row.seq),
          body: row.body as string,
          ...(row.sent_at === null ? {} : { sentAt: Number(row.sent_at) }),
          ...(row.remote_id === null ? {} : { remoteId: row.remote_id as string }),
        }),
      );
    },

    claimDue({ now, owner, leaseMs, limit }) {
      const rows = transaction(
        db,
        () => claim.all({ owner, leaseUntil: now + leaseMs, now, limit }) as Row[],
      );
      return rows.map(toRecord).sort((left, right) => left.createdAt - right.createdAt);
    },

    markChunkSent(id, seq, { now, remoteId, leaseUntil, note }) {
      transaction(db, () => {
        chunkSent.run(now, remoteId ?? null, id, seq);
        progress.run({ sent: seq + 1, now, leaseUntil, note: note ?? null, id });
      });
    },

    markDelivered(id, now) {
      delivered.run(now, now, id);
    },

    markRetry(id, { now, nextAttemptAt, error, code }) {
      retry.run(nextAttemptAt, error, code, now, id);
    },

    markFailed(id, { now, error, code }) {
      failed.run(error, code, now, id);
    },

    release(id) {
      release.run(id);
    },

    requeue(id, now) {
      return Number(requeue.run(now, now, id).changes) > 0;
    },

    list(filter: DeliveryFilter = {}) {
      const where: string[] = [];
      const values: SQLInputValue[] = [];
      if (filter.state) {
        where.push('state = ?');
        values.push(filter.state);
      }
      if (filter.runId) {
        where.push('run_id = ?');
        values.push(filter.runId);
      }
      const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      const rows = db
        .prepare(
          `SELECT ${columns} FROM deliveries ${clause} ORDER BY created_at DESC, delivery_id DESC LIMIT ?`,
        )
        .all(...values, filter.limit ?? 100) as Row[];
      return rows.map(toRecord);
    },

    renewLease(id, owner, leaseUntil) {
      return Number(renew.run(leaseUntil, id, owner).changes) > 0;
    },

    nextClaimableAt() {
      const row = nextDue.get() as { due: number | null };
      return row.due ?? undefined;
    },
  };
}
