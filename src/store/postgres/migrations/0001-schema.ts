import type { Migration } from '../../migration.ts';

/**
 * The schema of SQLite's migrations 0001 to 0007 in one step, in PostgreSQL's types: times are BIGINT ms
 * since the epoch; money is DOUBLE PRECISION USD, the same doubles SQLite's REAL keeps (sums go through
 * NUMERIC, see postgres-ledger-store.ts); JSON is kept as TEXT, byte for byte (jobs are compared by their
 * JSON text at reconcile, which JSONB would reorder).
 */
export const postgresSchema: Migration = {
  name: '0001-schema',
  sql: `
    CREATE TABLE requests (
      request_id TEXT PRIMARY KEY,
      task TEXT NOT NULL,
      resolved_task TEXT NOT NULL,
      caller_tag TEXT,
      started_at BIGINT NOT NULL,
      finished_at BIGINT NOT NULL,
      outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'error')),
      error_code TEXT,
      model TEXT,
      tier INTEGER,
      input_tokens BIGINT NOT NULL,
      output_tokens BIGINT NOT NULL,
      reasoning_tokens BIGINT NOT NULL,
      cached_input_tokens BIGINT NOT NULL,
      cost_usd DOUBLE PRECISION NOT NULL,
      cloud_only_cost_usd DOUBLE PRECISION NOT NULL,
      attempt_count INTEGER NOT NULL
    );
    CREATE INDEX requests_by_started_at ON requests (started_at) INCLUDE (cost_usd);
    CREATE INDEX requests_by_caller_tag ON requests (caller_tag, started_at) INCLUDE (cost_usd);

    CREATE TABLE attempts (
      request_id TEXT NOT NULL REFERENCES requests (request_id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      model TEXT NOT NULL,
      provider TEXT NOT NULL,
      tier INTEGER NOT NULL,
      outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'inadequate')),
      answered BOOLEAN NOT NULL,
      reason TEXT,
      detail TEXT,
      started_at BIGINT NOT NULL,
      latency_ms DOUBLE PRECISION NOT NULL,
      ttft_ms DOUBLE PRECISION,
      max_tokens BIGINT,
      input_tokens BIGINT NOT NULL,
      output_tokens BIGINT NOT NULL,
      reasoning_tokens BIGINT NOT NULL,
      cached_input_tokens BIGINT NOT NULL,
      cost_usd DOUBLE PRECISION NOT NULL,
      cloud_only_cost_usd DOUBLE PRECISION NOT NULL,
      PRIMARY KEY (request_id, seq)
    );
    CREATE INDEX attempts_by_started_at ON attempts (started_at);

    CREATE TABLE sessions (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('isolated', 'main', 'subagent')),
      agent_id TEXT NOT NULL,
      job_id TEXT,
      run_id TEXT,
      parent_id TEXT,
      created_at BIGINT NOT NULL
    );
    CREATE INDEX sessions_by_run ON sessions (run_id);
    CREATE INDEX sessions_by_created_at ON sessions (created_at) WHERE kind <> 'main';

    CREATE TABLE session_messages (
      session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      message TEXT NOT NULL,
      tokens INTEGER NOT NULL,
      created_at BIGINT NOT NULL,
      PRIMARY KEY (session_id, seq)
    );

    CREATE TABLE agent_notes (
      agent_id TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (agent_id, key)
    );

    CREATE TABLE jobs (
      id TEXT PRIMARY KEY,
      source TEXT NOT NULL CHECK (source IN ('config', 'store')),
      definition TEXT NOT NULL,
      enabled_override BOOLEAN,
      next_run_at BIGINT,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL
    );

    CREATE TABLE runs (
      id TEXT PRIMARY KEY,
      job_id TEXT NOT NULL,
      agent_id TEXT NOT NULL,
      trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'catch-up', 'manual', 'retry')),
      slot_time BIGINT,
      attempt INTEGER NOT NULL DEFAULT 0,
      status TEXT NOT NULL
        CHECK (status IN ('queued', 'running', 'ok', 'error', 'timeout', 'skipped', 'interrupted')),
      queued_at BIGINT NOT NULL,
      started_at BIGINT,
      finished_at BIGINT,
      session_id TEXT,
      output TEXT,
      no_reply BOOLEAN NOT NULL DEFAULT FALSE,
      error TEXT,
      tiers TEXT NOT NULL DEFAULT '[]',
      models TEXT NOT NULL DEFAULT '[]',
      escalations TEXT NOT NULL DEFAULT '[]',
      cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
      input_tokens BIGINT NOT NULL DEFAULT 0,
      output_tokens BIGINT NOT NULL DEFAULT 0,
      delivery_status TEXT NOT NULL DEFAULT 'none',
      retry_of TEXT,
      not_before BIGINT
    );
    -- One scheduled slot of a job is at most one run, whichever process claims it (INSERT ... ON CONFLICT).
    CREATE UNIQUE INDEX runs_one_per_slot ON runs (job_id, slot_time) WHERE slot_time IS NOT NULL;
    CREATE INDEX runs_by_job ON runs (job_id, queued_at);
    CREATE INDEX runs_by_queued_at ON runs (queued_at);
    CREATE INDEX runs_active ON runs (status) WHERE status IN ('queued', 'running');
    CREATE INDEX runs_awaiting_delivery ON runs (queued_at) WHERE delivery_status = 'pending';

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
      next_attempt_at BIGINT NOT NULL,
      lease_owner TEXT,
      lease_until BIGINT,
      last_error TEXT,
      last_error_code TEXT,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL,
      delivered_at BIGINT,
      note TEXT
    );
    CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
    CREATE INDEX deliveries_by_run ON deliveries (run_id);
    CREATE INDEX deliveries_by_created_at ON deliveries (created_at);

    CREATE TABLE delivery_chunks (
      delivery_id TEXT NOT NULL REFERENCES deliveries (delivery_id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      body TEXT NOT NULL,
      sent_at BIGINT,
      remote_id TEXT,
      PRIMARY KEY (delivery_id, seq)
    );

    -- SchedulerStore.changeCounter: bumped by every committed change to jobs and every new run, at commit
    -- (a deferred trigger, so the row is locked only for the moment of the commit). Read in the same
    -- snapshot as the rows, a counter value never runs ahead of what a reader can see.
    CREATE TABLE store_changes (id INTEGER PRIMARY KEY CHECK (id = 1), counter BIGINT NOT NULL);
    INSERT INTO store_changes VALUES (1, 0);
    CREATE FUNCTION bump_store_changes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE store_changes SET counter = counter + 1 WHERE id = 1;
        RETURN NULL;
      END $$;
    CREATE CONSTRAINT TRIGGER jobs_changed AFTER INSERT OR UPDATE OR DELETE ON jobs
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_store_changes();
    CREATE CONSTRAINT TRIGGER runs_added AFTER INSERT ON runs
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_store_changes();
  `,
};
