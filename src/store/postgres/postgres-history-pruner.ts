import type { Pool } from 'pg';
import type { HistoryPruner, PruneCounts, PruneCutoffs } from '../../contracts/history-pruner.ts';
import { postgresTransaction } from './postgres-transaction.ts';

/** Rows deleted per transaction, as in SQLite: short transactions, so writers never wait long behind a prune. */
const defaultBatch = 100;

// The same rules as the SQLite pruner (see sqlite-history-pruner.ts for why each row stays).
const sessionsPast = `
  FROM sessions s
  WHERE s.kind <> 'main' AND s.created_at < $1
    AND NOT EXISTS (
      SELECT 1 FROM runs r
      WHERE r.status IN ('queued', 'running') AND r.session_id IN (s.id, s.parent_id)
    )`;
const runsPast = `
  FROM runs
  WHERE queued_at < $1 AND coalesce(finished_at, queued_at) < $1 AND status NOT IN ('queued', 'running')
    AND delivery_status <> 'pending'`;
const deliveriesPast = `
  FROM deliveries
  WHERE created_at < $1 AND state <> 'pending'
    AND (run_id IS NULL OR run_id NOT IN (SELECT id FROM runs WHERE delivery_status = 'pending'))`;
const requestsPast = 'FROM requests WHERE started_at < $1';
const responsesPast = 'FROM responses WHERE created_at < $1';
// Spend caps' rows: a UTC day before the cutoff's day is never read again (a cap reads today's row, and
// a hold made before midnight settles on yesterday's); a hold that lapsed counts for nothing.
const cutoffDay = `to_char(to_timestamp($1::bigint / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
const spendTotalsPast = `FROM spend_totals WHERE day < ${cutoffDay}`;
const spendHoldsPast = `FROM spend_reservations WHERE day < ${cutoffDay} OR expires_at < $1`;

type Kind = {
  table: string;
  key: string;
  past: string;
  cutoff: keyof PruneCutoffs;
  counted: keyof PruneCounts;
};

const kinds: Kind[] = [
  { table: 'sessions', key: 'id', past: sessionsPast, cutoff: 'transcriptsBefore', counted: 'sessions' },
  { table: 'runs', key: 'id', past: runsPast, cutoff: 'runsBefore', counted: 'runs' },
  {
    table: 'deliveries',
    key: 'delivery_id',
    past: deliveriesPast,
    cutoff: 'deliveriesBefore',
    counted: 'deliveries',
  },
  {
    table: 'requests',
    key: 'request_id',
    past: requestsPast,
    cutoff: 'ledgerBefore',
    counted: 'ledgerRequests',
  },
  { table: 'responses', key: 'id', past: responsesPast, cutoff: 'responsesBefore', counted: 'responses' },
  { table: 'spend_totals', key: 'ctid', past: spendTotalsPast, cutoff: 'spendBefore', counted: 'spendRows' },
  {
    table: 'spend_reservations',
    key: 'ctid',
    past: spendHoldsPast,
    cutoff: 'spendBefore',
    counted: 'spendRows',
  },
];

/** The PostgreSQL HistoryPruner: `batch` rows of one kind per call, in one transaction; kinds in turn. */
export function createPostgresHistoryPruner(pool: Pool, options: { batch?: number } = {}): HistoryPruner {
  const batch = options.batch ?? defaultBatch;
  const zero = (): PruneCounts => ({
    sessions: 0,
    sessionMessages: 0,
    runs: 0,
    deliveries: 0,
    ledgerRequests: 0,
    responses: 0,
    spendRows: 0,
  });
  const count = async (sql: string, cutoff: number) =>
    Number((await pool.query(sql, [Math.round(cutoff)])).rows[0].n);

  // Kinds found empty stay skipped until the cutoffs change (a new prune), so each call is one transaction.
  let finished = new Set<Kind>();
  let lastCutoffs: string | undefined;
  return {
    async count(cutoffs) {
      const counts = zero();
      for (const kind of kinds) {
        const before = cutoffs[kind.cutoff];
        if (before === undefined) continue;
        counts[kind.counted] += await count(`SELECT COUNT(*) AS n ${kind.past}`, before);
        if (kind.counted === 'sessions') {
          counts.sessionMessages = await count(
            `SELECT COUNT(*) AS n FROM session_messages WHERE session_id IN (SELECT s.id ${sessionsPast})`,
            before,
          );
        }
      }
      return counts;
    },
    async pruneBatch(cutoffs) {
      const key = JSON.stringify(cutoffs);
      if (key !== lastCutoffs) {
        finished = new Set();
        lastCutoffs = key;
      }
      const counts = zero();
      for (const kind of kinds) {
        const before = cutoffs[kind.cutoff];
        if (before === undefined || finished.has(kind)) continue;
        const removed = await postgresTransaction(pool, async (client) => {
          // SKIP LOCKED: rows another process is pruning (or writing) right now are left to it.
          const picked = `SELECT ${kind.key} ${kind.past} LIMIT ${batch} FOR UPDATE SKIP LOCKED`;
          if (kind.counted === 'sessions') {
            const { rows } = await client.query(
              `WITH picked AS (SELECT s.id ${sessionsPast} LIMIT ${batch} FOR UPDATE OF s SKIP LOCKED),
                 messages AS (SELECT COUNT(*) AS n FROM session_messages WHERE session_id IN (SELECT id FROM picked)),
                 removed AS (DELETE FROM sessions WHERE id IN (SELECT id FROM picked) RETURNING 1)
               SELECT (SELECT n FROM messages) AS messages, (SELECT COUNT(*) FROM removed) AS removed`,
              [Math.round(before)],
            );
            counts.sessionMessages = Number(rows[0].messages);
            return Number(rows[0].removed);
          }
          const result = await client.query(`DELETE FROM ${kind.table} WHERE ${kind.key} IN (${picked})`, [
            Math.round(before),
          ]);
          return result.rowCount ?? 0;
        });
        counts[kind.counted] = removed;
        if (removed < batch) finished.add(kind);
        const done = kinds.every((entry) => cutoffs[entry.cutoff] === undefined || finished.has(entry));
        return { counts, done };
      }
      return { counts, done: true };
    },
  };
}
