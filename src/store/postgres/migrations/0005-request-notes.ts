import type { Migration } from '../../migration.ts';

/** The router's notes on a request, a JSON array as text; NULL when none (SQLite's 0015-request-notes). */
export const postgresRequestNotes: Migration = {
  name: '0005-request-notes',
  sql: 'ALTER TABLE requests ADD COLUMN notes TEXT;',
};
