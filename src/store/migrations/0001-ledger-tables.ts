import type { Migration } from '../migration.ts';

/** Requests and their attempts. Money is REAL USD; times are ms since the epoch. */
export const ledgerTables: Migration = {
  name: '0001-ledger-tables',
  sql: `
    CREATE TABLE requests (
      request_id TEXT PRIMARY KEY,
      task TEXT NOT NULL,
      resolved_task TEXT NOT NULL,
      caller_tag TEXT,
      started_at INTEGER NOT NULL,
      finished_at INTEGER NOT NULL,
      outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'error')),
      error_code TEXT,
      model TEXT,
      tier INTEGER,
      input_tokens INTEGER NOT NULL,
      output_tokens INTEGER NOT NULL,
      reasoning_tokens INTEGER NOT NULL,
      cached_input_tokens INTEGER NOT NULL,
      cost_usd REAL NOT NULL,
      cloud_only_cost_usd REAL NOT NULL,
      attempt_count INTEGER NOT NULL
    ) STRICT;

    -- Covering indexes: spend-cap sums (spentSince) read only the index.
    CREATE INDEX requests_by_started_at ON requests (started_at, cost_usd);
    CREATE INDEX requests_by_caller_tag ON requests (caller_tag, started_at, cost_usd);

    CREATE TABLE attempts (
      request_id TEXT NOT NULL REFERENCES requests (request_id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      model TEXT NOT NULL,
      provider TEXT NOT NULL,
      tier INTEGER NOT NULL,
      outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'inadequate')),
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
      -- The primary key doubles as the index on request_id (attempts of a request, in order).
      PRIMARY KEY (request_id, seq)
    ) STRICT;

    CREATE INDEX attempts_by_started_at ON attempts (started_at);
  `,
};
