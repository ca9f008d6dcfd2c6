import type { Migration } from '../migration.ts';

/**
 * When a scheduler first started on this store (SchedulerStore.recordFirstStart): a first start has
 * nothing to catch up, even for the slots write commands stored before it. A database that already has
 * runs was started before this step existed (or had jobs run by hand): it counts as started.
 */
export const schedulerFirstStart: Migration = {
  name: '0016-scheduler-first-start',
  sql: `
    CREATE TABLE scheduler_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      first_started_at INTEGER NOT NULL
    );
    INSERT INTO scheduler_state (id, first_started_at) SELECT 1, MIN(queued_at) FROM runs HAVING COUNT(*) > 0;
  `,
};
