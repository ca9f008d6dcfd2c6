import type { Migration } from '../../migration.ts';

/** The `pyramid start` processes sharing the database and their heartbeats (SQLite's 0013-processes). */
export const postgresProcesses: Migration = {
  name: '0004-processes',
  sql: `
    CREATE TABLE processes (
      id TEXT PRIMARY KEY,
      host TEXT NOT NULL,
      pid INTEGER NOT NULL,
      version TEXT NOT NULL,
      started_at BIGINT NOT NULL,
      address TEXT,
      heartbeat_at BIGINT NOT NULL
    );
  `,
};
