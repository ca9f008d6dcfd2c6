import type { Migration } from '../../migration.ts';

/** When a scheduler first started on this store (SQLite's 0013-scheduler-first-start). */
export const postgresSchedulerFirstStart: Migration = {
  name: '0007-scheduler-first-start',
  sql: `
    CREATE TABLE scheduler_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      first_started_at BIGINT NOT NULL
    );
    INSERT INTO scheduler_state (id, first_started_at) SELECT 1, MIN(queued_at) FROM runs HAVING COUNT(*) > 0;
  `,
};
