import type { Pool } from 'pg';
import type { LaneHoldStore } from '../../contracts/lane-hold-store.ts';

/**
 * Lane holds in PostgreSQL, shared by every process on the database. Taking one is one call of
 * migration 0008's function: the lane's advisory lock, held for that transaction only, orders takers,
 * and the count after it sees every hold committed while it waited (READ COMMITTED).
 */
export function createPostgresLaneHoldStore(pool: Pool): LaneHoldStore {
  return {
    async take(hold, limit, now) {
      const { rows } = await pool.query<{ taken: boolean }>(
        'SELECT pyramid_take_lane_hold($1, $2, $3, $4, $5, $6) AS taken',
        [hold.lane, hold.id, hold.owner, limit, Math.round(hold.expiresAt), Math.round(now)],
      );
      return rows[0].taken;
    },

    async renew(lane, ids, expiresAt) {
      if (ids.length === 0) return [];
      const { rows } = await pool.query<{ id: string }>(
        'UPDATE lane_holds SET expires_at = $1 WHERE lane = $2 AND id = ANY ($3) RETURNING id',
        [Math.round(expiresAt), lane, ids],
      );
      return rows.map((row) => row.id);
    },

    async release(lane, id) {
      await pool.query('DELETE FROM lane_holds WHERE lane = $1 AND id = $2', [lane, id]);
    },
  };
}
