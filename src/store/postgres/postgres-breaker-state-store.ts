import type { Pool } from 'pg';
import type { BreakerStateStore, SharedBreakerState } from '../../contracts/breaker-state-store.ts';

type Row = {
  model: string;
  state: 'open' | 'closed';
  epoch: number;
  retry_at: number | null;
  reason: string | null;
  changed_by: string;
  changed_at: number;
};

const columns = 'model, state, epoch, retry_at, reason, changed_by, changed_at';

// Claims older than this are deleted by later claims: an epoch never comes back, so an old claim guards nothing.
const claimKeptMs = 30 * 86_400_000;

function fromRow(row: Row): SharedBreakerState {
  return {
    model: row.model,
    state: row.state,
    epoch: row.epoch,
    ...(row.retry_at === null ? {} : { retryAt: row.retry_at }),
    ...(row.reason === null ? {} : { reason: row.reason }),
    changedBy: row.changed_by,
    changedAt: row.changed_at,
  };
}

/**
 * Breaker states in PostgreSQL: one row per model, changed by conditional upserts, so that of several
 * processes finding a model down at once exactly one moves its epoch on; alert claims are a primary key.
 */
export function createPostgresBreakerStateStore(pool: Pool): BreakerStateStore {
  return {
    async transition({ model, state, retryAt, reason, by, at }) {
      const changed =
        state === 'open'
          ? await pool.query<Row>(
              `INSERT INTO breaker_states AS b (model, state, epoch, retry_at, reason, changed_by, changed_at)
               VALUES ($1, 'open', 1, $2, $3, $4, $5)
               ON CONFLICT (model) DO UPDATE SET state = 'open', epoch = b.epoch + 1, retry_at = EXCLUDED.retry_at,
                 reason = EXCLUDED.reason, changed_by = EXCLUDED.changed_by, changed_at = EXCLUDED.changed_at
               WHERE b.state = 'closed' OR b.retry_at <= EXCLUDED.changed_at
               RETURNING ${columns}`,
              [model, Math.round(retryAt ?? at), reason ?? null, by, Math.round(at)],
            )
          : await pool.query<Row>(
              `UPDATE breaker_states SET state = 'closed', epoch = epoch + 1, retry_at = NULL, changed_by = $2,
                 changed_at = $3
               WHERE model = $1 AND state = 'open'
               RETURNING ${columns}`,
              [model, by, Math.round(at)],
            );
      if (changed.rows[0]) return { state: fromRow(changed.rows[0]), changed: true };
      const { rows } = await pool.query<Row>(`SELECT ${columns} FROM breaker_states WHERE model = $1`, [
        model,
      ]);
      return rows[0] ? { state: fromRow(rows[0]), changed: false } : undefined;
    },

    async list() {
      const { rows } = await pool.query<Row>(`SELECT ${columns} FROM breaker_states ORDER BY model`);
      return rows.map(fromRow);
    },

    async claim(key, by, at) {
      const { rows } = await pool.query(
        `WITH old AS (DELETE FROM alert_claims WHERE claimed_at < $4)
         INSERT INTO alert_claims (key, claimed_by, claimed_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO NOTHING RETURNING key`,
        [key, by, Math.round(at), Math.round(at - claimKeptMs)],
      );
      return rows.length === 1;
    },
  };
}
