import type { Migration } from '../migration.ts';

/** The delivery outbox: one row per message and target, its chunks beside it. Times are ms since the epoch. */
export const deliveryTables: Migration = {
  name: '0003-delivery-tables',
  sql: `
    CREATE TABLE deliveries (
      delivery_id TEXT PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('run', 'alert', 'message')),
      run_id TEXT,
      job_id TEXT,
      agent_id TEXT,
      channel TEXT NOT NULL,
      channel_type TEXT NOT NULL,
      target_to TEXT,
      target_thread TEXT,
      state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
      chunk_count INTEGER NOT NULL,
      chunks_sent INTEGER NOT NULL DEFAULT 0,
      attempts INTEGER NOT NULL DEFAULT 0,
      failures_in_a_row INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      lease_owner TEXT,
      lease_until INTEGER,
      last_error TEXT,
      last_error_code TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      delivered_at INTEGER
    ) STRICT;

    CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
    CREATE INDEX deliveries_by_run ON deliveries (run_id);
    CREATE INDEX deliveries_by_created_at ON deliveries (created_at);

    CREATE TABLE delivery_chunks (
      delivery_id TEXT NOT NULL REFERENCES deliveries (delivery_id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      body TEXT NOT NULL,
      sent_at INTEGER,
      remote_id TEXT,
      PRIMARY KEY (delivery_id, seq)
    ) STRICT;
  `,
};
