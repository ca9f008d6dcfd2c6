import type { Pool } from 'pg';
import type { AlertLimitStore } from '../../contracts/alert-limit-store.ts';

/** Alert rate limits in PostgreSQL: each decision is one call of `pyramid_take_alert` (migration 0010). */
export function createPostgresAlertLimitStore(pool: Pool): AlertLimitStore {
  return {
    async take(subject, now, limits) {
      const { rows } = await pool.query<{ send: boolean; held_back: number }>(
        'SELECT send, held_back FROM pyramid_take_alert($1, $2, $3, $4, $5)',
        [subject, Math.round(now), Math.round(limits.repeatMs), limits.maxPerHour, limits.ignoreRepeat],
      );
      return { send: rows[0].send, heldBack: rows[0].held_back };
    },
  };
}
