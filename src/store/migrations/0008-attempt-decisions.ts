import type { Migration } from '../migration.ts';

/**
 * Attempts may also be routing decisions (`waited`, `not_climbed`: see AttemptOutcome), recorded beside
 * the calls. SQLite cannot change a CHECK constraint in place, so the table is rebuilt with the same
 * columns and index; rows are copied as they are.
 */
export const attemptDecisions: Migration = {
  name: '0008-attempt-decisions',
  sql: `
    CREATE TABLE attempts_next (
      request_id TEXT NOT NULL REFERENCES requests (request_id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      model TEXT NOT NULL,
      provider TEXT NOT NULL,
      tier INTEGER NOT NULL,
      outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'inadequate', 'waited', 'not_climbed')),
      answered INTEGER NOT NULL CHECK (answered IN (0, 1)),
      reason TEXT,
      detail TEXT,
      started_at INTEGER NOT NULL,
      latency_ms REAL NOT NULL,
      ttft_ms REAL,
      max_tokens INTEGER,
      input_tokens INTEGER NOT NULL,
      output_tokens INTEGER NOT NULL,
      reasoning_tokens INTEGER NOT NULL,
      cached_input_tokens INTEGER NOT NULL,
      cost_usd REAL NOT NULL,
      cloud_only_cost_usd REAL NOT NULL,
      PRIMARY KEY (request_id, seq)
    ) STRICT;
    INSERT INTO attempts_next SELECT * FROM attempts;
    DROP TABLE attempts;
    ALTER TABLE attempts_next RENAME TO attempts;
    CREATE INDEX attempts_by_started_at ON attempts (started_at);
  `,
};
