import type { Migration } from '../migration.ts';

/**
 * When a queued run may start: set while a retry waits out its backoff, so that neither a restart nor
 * another process's write to the store starts it early.
 */
export const runNotBefore: Migration = {
  name: '0006-run-not-before',
  sql: 'ALTER TABLE runs ADD COLUMN not_before INTEGER;',
};
