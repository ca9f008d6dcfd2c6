import type { Migration } from '../migration.ts';

/** The `pyramid start` processes on this store and their heartbeats (ProcessRegistry). */
export const processesTable: Migration = {
  name: '0013-processes',
  sql: `
    CREATE TABLE processes (
      id TEXT PRIMARY KEY,
      host TEXT NOT NULL,
      pid INTEGER NOT NULL,
      version TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      address TEXT,
      heartbeat_at INTEGER NOT NULL
    ) STRICT;`,
};
