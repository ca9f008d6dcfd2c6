import type { Migration } from '../../migration.ts';

/**
 * Platform-wide lanes (concurrency.subagents): one row per running task of any process, and a function
 * that takes a slot in one transaction under the lane's advisory lock (lapsed holds deleted, live ones
 * counted, one written when fewer than the limit), so that processes taking slots at once queue on the
 * lock rather than together passing the limit. A hold counts until its `expires_at` (its process renews it).
 */
export const postgresLaneHolds: Migration = {
  name: '0008-lane-holds',
  sql: `
    CREATE TABLE lane_holds (
      lane TEXT NOT NULL,
      id TEXT NOT NULL,
      owner TEXT NOT NULL,
      expires_at BIGINT NOT NULL,
      PRIMARY KEY (lane, id)
    );

    -- The two-key advisory lock (7310433, lane) is apart from the agent lane's one-key lock.
    CREATE FUNCTION pyramid_take_lane_hold(
      p_lane TEXT, p_id TEXT, p_owner TEXT, p_limit INTEGER, p_expires BIGINT, p_now BIGINT
    ) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
    DECLARE
      live INTEGER;
    BEGIN
      PERFORM pg_advisory_xact_lock(7310433, hashtext(p_lane));
      DELETE FROM lane_holds WHERE lane = p_lane AND expires_at <= p_now;
      SELECT COUNT(*) INTO live FROM lane_holds WHERE lane = p_lane;
      IF live >= p_limit THEN
        RETURN FALSE;
      END IF;
      INSERT INTO lane_holds (lane, id, owner, expires_at) VALUES (p_lane, p_id, p_owner, p_expires);
      RETURN TRUE;
    END
    $$;
  `,
};
