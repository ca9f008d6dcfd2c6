import type { Migration } from '../../migration.ts';

/**
 * What several processes share besides rows: spend caps (each scope's spent money per UTC day, locked
 * per row while a hold is checked, and the live holds), breaker states (one row per model, its epoch
 * moving on every platform-wide open and close) and alert claims (one row per alert sent, so the
 * process that inserts it first is the one that sends it).
 */
export const postgresSharedCapsBreakers: Migration = {
  name: '0004-shared-caps-breakers',
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
