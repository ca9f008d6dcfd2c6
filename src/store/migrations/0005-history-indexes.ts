import type { Migration } from '../migration.ts';

/**
 * Indexes for pruning finished history by age (retention): isolated and subagent sessions by when they
 * began. Runs, deliveries and ledger requests already have an index on their time column.
 */
export const historyIndexes: Migration = {
  name: '0005-history-indexes',
  sql: `CREATE INDEX sessions_by_created_at ON sessions (created_at) WHERE kind != 'main';`,
};
