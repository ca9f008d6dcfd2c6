import type { Migration } from '../../migration.ts';

/**
 * What several processes share besides rows: spend caps (each scope's spent money per UTC day, locked
 * per row while a hold is checked, and the live holds; checked and written by two functions, so that a
 * cap's lock is held for one call on the server, not across round trips), breaker states (one row per model, its epoch
 * moving on every platform-wide open and close) and alert claims (one row per alert sent, so the
 * process that inserts it first is the one that sends it).
 */
export const postgresSharedCapsBreakers: Migration = {
  name: '0006-shared-caps-breakers',
  sql: `
    CREATE TABLE spend_totals (
      day TEXT NOT NULL,
      scope TEXT NOT NULL,
      spent_usd DOUBLE PRECISION NOT NULL,
      PRIMARY KEY (day, scope)
    );
    CREATE TABLE spend_reservations (
      id TEXT NOT NULL,
      day TEXT NOT NULL,
      scope TEXT NOT NULL,
      amount_usd DOUBLE PRECISION NOT NULL,
      expires_at BIGINT NOT NULL,
      PRIMARY KEY (id, scope)
    );
    CREATE INDEX spend_reservations_by_scope ON spend_reservations (day, scope);

    -- A scope's row, the first time it is used on a day, starts from the ledger: the day's requests (all
    -- callers for '*', one caller tag otherwise), summed exactly. Rows already there are left alone.
    CREATE FUNCTION pyramid_open_spend_scopes(p_day TEXT, p_day_start BIGINT, p_scopes TEXT[])
    RETURNS void LANGUAGE sql AS $$
      INSERT INTO spend_totals (day, scope, spent_usd)
      SELECT p_day, wanted.scope, (
        SELECT COALESCE(SUM(cost_usd::text::numeric), 0)::float8 FROM requests
        WHERE started_at >= p_day_start AND (wanted.scope = '*' OR caller_tag = wanted.scope)
      )
      FROM unnest(p_scopes) AS wanted (scope)
      WHERE NOT EXISTS (SELECT 1 FROM spend_totals t WHERE t.day = p_day AND t.scope = wanted.scope)
      ON CONFLICT DO NOTHING
    $$;

    -- The first scope (in the order given) whose spent plus live held money reaches its cap (p_hold
    -- false: >=), or would pass it with p_amount (p_hold true: >); none: with p_hold the hold is written
    -- on every scope. With p_hold the caps' rows are locked first, in scope order (two holders queue
    -- rather than deadlock), and the holds are summed by a later statement, which under READ COMMITTED
    -- sees every hold committed while this one waited for the lock.
    CREATE FUNCTION pyramid_reserve_spend(
      p_id TEXT, p_day TEXT, p_day_start BIGINT, p_scopes TEXT[], p_caps DOUBLE PRECISION[],
      p_amount DOUBLE PRECISION, p_expires BIGINT, p_now BIGINT, p_hold BOOLEAN
    ) RETURNS TABLE (scope TEXT, cap_usd DOUBLE PRECISION, committed_usd DOUBLE PRECISION)
    LANGUAGE plpgsql AS $$
    DECLARE
      i INTEGER;
      committed DOUBLE PRECISION;
    BEGIN
      PERFORM pyramid_open_spend_scopes(p_day, p_day_start, p_scopes);
      IF p_hold THEN
        PERFORM 1 FROM spend_totals t WHERE t.day = p_day AND t.scope = ANY (p_scopes)
          ORDER BY t.scope FOR UPDATE;
      END IF;
      FOR i IN 1 .. array_length(p_scopes, 1) LOOP
        SELECT t.spent_usd + COALESCE((
          SELECT SUM(r.amount_usd::text::numeric)::float8 FROM spend_reservations r
          WHERE r.day = p_day AND r.scope = p_scopes[i] AND r.expires_at > p_now), 0)
        INTO committed FROM spend_totals t WHERE t.day = p_day AND t.scope = p_scopes[i];
        IF p_hold THEN
          committed := committed + p_amount;
        END IF;
        IF (p_hold AND committed > p_caps[i]) OR (NOT p_hold AND committed >= p_caps[i]) THEN
          scope := p_scopes[i];
          cap_usd := p_caps[i];
          committed_usd := committed;
          RETURN NEXT;
          RETURN;
        END IF;
      END LOOP;
      IF p_hold THEN
        INSERT INTO spend_reservations (id, day, scope, amount_usd, expires_at)
          SELECT p_id, p_day, held, p_amount, p_expires FROM unnest(p_scopes) AS held;
        -- Holds of dead processes, past their time (rows another call is settling are skipped).
        DELETE FROM spend_reservations WHERE ctid IN (
          SELECT ctid FROM spend_reservations WHERE expires_at <= p_now FOR UPDATE SKIP LOCKED);
      END IF;
    END $$;

    -- Ends a hold: its scopes' spent money grows by the real cost, the hold goes, in one transaction
    -- (the caps' rows locked first, in scope order, as pyramid_reserve_spend takes them).
    CREATE FUNCTION pyramid_settle_spend(p_id TEXT, p_day TEXT, p_scopes TEXT[], p_actual DOUBLE PRECISION)
    RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM 1 FROM spend_totals t WHERE t.day = p_day AND t.scope = ANY (p_scopes)
        ORDER BY t.scope FOR UPDATE;
      IF p_actual <> 0 THEN
        UPDATE spend_totals t SET spent_usd = t.spent_usd + p_actual
          WHERE t.day = p_day AND t.scope = ANY (p_scopes);
      END IF;
      DELETE FROM spend_reservations WHERE id = p_id;
    END $$;

    CREATE TABLE breaker_states (
      model TEXT PRIMARY KEY,
      state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
      epoch BIGINT NOT NULL,
      retry_at BIGINT,
      reason TEXT,
      changed_by TEXT NOT NULL,
      changed_at BIGINT NOT NULL
    );

    CREATE TABLE alert_claims (
      key TEXT PRIMARY KEY,
      claimed_by TEXT NOT NULL,
      claimed_at BIGINT NOT NULL
    );
    CREATE INDEX alert_claims_by_time ON alert_claims (claimed_at);
  `,
};
