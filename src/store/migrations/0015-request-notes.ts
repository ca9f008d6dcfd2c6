import type { Migration } from '../migration.ts';

/**
 * The router's notes on a request (why a model was skipped, parameters dropped, a climb), as a JSON
 * array of strings; NULL when there are none, as for most requests and every one recorded before this step.
 */
export const requestNotes: Migration = {
  name: '0015-request-notes',
  sql: 'ALTER TABLE requests ADD COLUMN notes TEXT;',
};
