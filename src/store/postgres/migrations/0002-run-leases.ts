import type { Migration } from '../../migration.ts';

/** Which process runs a running run and until when (SQLite's 0008-run-leases). */
export const postgresRunLeases: Migration = {
  name: '0002-run-leases',
  sql: `
    ALTER TABLE runs ADD COLUMN lease_owner TEXT;
    ALTER TABLE runs ADD COLUMN lease_until BIGINT;
  `,
};
