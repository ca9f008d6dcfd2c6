import type { Migration } from '../migration.ts';

/**
 * Sessions and their transcripts, agent notes, jobs and run history. One scheduled slot of a job is at
 * most one run: the partial unique index on (job_id, slot_time) makes a duplicate slot impossible,
 * whatever crashes in between. Manual runs and retries after an interruption have no slot.
 */
export const schedulerTables: Migration = {
  name: '0002-scheduler-tables',
  sql: `
    CREATE TABLE sessions (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('isolated', 'main', 'subagent')),
      agent_id TEXT NOT NULL,
      job_id TEXT,
      run_id TEXT,
      parent_id TEXT,
      created_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE session_messages (
      session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      message TEXT NOT NULL,
      tokens INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (session_id, seq)
    ) STRICT;

    CREATE TABLE agent_notes (
      agent_id TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (agent_id, key)
    ) STRICT;

    CREATE TABLE jobs (
      id TEXT PRIMARY KEY,
      source TEXT NOT NULL CHECK (source IN ('config', 'store')),
      definition TEXT NOT NULL,
      enabled_override INTEGER,
      next_run_at INTEGER,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE runs (
      id TEXT PRIMARY KEY,
      job_id TEXT NOT NULL,
      agent_id TEXT NOT NULL,
      trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'catch-up', 'manual', 'retry')),
      slot_time INTEGER,
      attempt INTEGER NOT NULL DEFAULT 0,
      status TEXT NOT NULL
        CHECK (status IN ('queued', 'running', 'ok', 'error', 'timeout', 'skipped', 'interrupted')),
      queued_at INTEGER NOT NULL,
      started_at INTEGER,
      finished_at INTEGER,
      session_id TEXT,
      output TEXT,
      no_reply INTEGER NOT NULL DEFAULT 0,
      error TEXT,
      tiers TEXT NOT NULL DEFAULT '[]',
      models TEXT NOT NULL DEFAULT '[]',
      escalations TEXT NOT NULL DEFAULT '[]',
      cost_usd REAL NOT NULL DEFAULT 0,
      input_tokens INTEGER NOT NULL DEFAULT 0,
      output_tokens INTEGER NOT NULL DEFAULT 0,
      delivery_status TEXT NOT NULL DEFAULT 'none',
      retry_of TEXT
    ) STRICT;

    CREATE UNIQUE INDEX runs_one_per_slot ON runs (job_id, slot_time) WHERE slot_time IS NOT NULL;
    CREATE INDEX runs_by_job ON runs (job_id, queued_at);
    CREATE INDEX runs_by_queued_at ON runs (queued_at);
    CREATE INDEX runs_active ON runs (status) WHERE status IN ('queued', 'running');
  `,
};
