import type { Pool } from 'pg';
import type {
  BreakerStateStore,
  SharedBreakerState,
  TrialClaim,
} from '../../contracts/breaker-state-store.ts';

type Row = {
  model: string;
  state: 'open' | 'closed';
  epoch: number;
  retry_at: number | null;
  reason: string | null;
  opened_epoch: number | null;
  changed_by: string;
  changed_at: number;
};

const columns = 'model, state, epoch, retry_at, reason, opened_epoch, changed_by, changed_at';

// Claims older than this are deleted by later claims: an epoch never comes back, so an old claim guards nothing.
const claimKeptMs = 30 * 86_400_000;

function fromRow(row: Row): SharedBreakerState {
  return {
    model: row.model,
    state: row.state,
    epoch: row.epoch,
    ...(row.retry_at === null ? {} : { retryAt: row.retry_at }),
    ...(row.reason === null ? {} : { reason: row.reason }),
    ...(row.state === 'open' ? { openedEpoch: row.opened_epoch ?? row.epoch } : {}),
    changedBy: row.changed_by,
    changedAt: row.changed_at,
  };
}

/**
 * Breaker states in PostgreSQL: one row per model, changed by conditional upserts, so that of several
 * processes finding a model down at once exactly one moves its epoch on; alert claims are a primary key;
 * a half-open trial is claimed by a conditional UPDATE of the model's row (`trial_by`, `trial_until`),
 * cleared by the trial's result (the next open or close).
 */
export function createPostgresBreakerStateStore(pool: Pool): BreakerStateStore {
  return {
    async transition({ model, state, retryAt, reason, by, at }) {
      const changed =
        state === 'open'
          ? await pool.query<Row>(
              `INSERT INTO breaker_states AS b
                 (model, state, epoch, opened_epoch, retry_at, reason, changed_by, changed_at)
               VALUES ($1, 'open', 1, 1, $2, $3, $4, $5)
               ON CONFLICT (model) DO UPDATE SET state = 'open', epoch = b.epoch + 1,
                 opened_epoch = CASE WHEN b.state = 'open' THEN coalesce(b.opened_epoch, b.epoch) ELSE b.epoch + 1 END,
                 retry_at = EXCLUDED.retry_at, reason = EXCLUDED.reason, changed_by = EXCLUDED.changed_by,
                 changed_at = EXCLUDED.changed_at, trial_by = NULL, trial_until = NULL
               WHERE b.state = 'closed' OR b.retry_at <= EXCLUDED.changed_at
               RETURNING ${columns}`,
              [model, Math.round(retryAt ?? at), reason ?? null, by, Math.round(at)],
            )
          : await pool.query<Row>(
              `UPDATE breaker_states SET state = 'closed', epoch = epoch + 1, retry_at = NULL, changed_by = $2,
                 changed_at = $3, opened_epoch = NULL, trial_by = NULL, trial_until = NULL
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

    async claimTrial(model, by, now, until): Promise<TrialClaim> {
      // The SELECT reads the row as it was before this statement's UPDATE: why a lost claim was lost.
      const { rows } = await pool.query<{
        won: number;
        state: string;
        retry_at: number | null;
        trial_until: number | null;
      }>(
        `WITH claimed AS (
           UPDATE breaker_states SET trial_by = $2, trial_until = $4
           WHERE model = $1 AND state = 'open' AND retry_at <= $3
             AND (trial_until IS NULL OR trial_until <= $3 OR trial_by = $2)
           RETURNING 1)
         SELECT (SELECT COUNT(*) FROM claimed)::int AS won, state, retry_at, trial_until
         FROM breaker_states WHERE model = $1`,
        [model, by, Math.round(now), Math.round(until)],
      );
      const row = rows[0];
      if (!row || row.won === 1 || row.state !== 'open') return { won: true };
      const retryAt = row.retry_at ?? now;
      if (retryAt > now) return { won: false, retryAt, trialInFlight: false };
      return { won: false, retryAt: row.trial_until ?? now, trialInFlight: true };
    },
  };
}
