import type { Migration } from '../migration.ts';

/**
 * Which process runs a running run, and until when it holds it (SchedulerStore.startRun): when several
 * processes share a store, a run whose lease ended is one whose process died.
 */
export const runLeases: Migration = {
  name: '0012-run-leases',
  sql: `
    ALTER TABLE runs ADD COLUMN lease_owner TEXT;
    ALTER TABLE runs ADD COLUMN lease_until INTEGER;
  `,
};
