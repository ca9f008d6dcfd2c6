import type { Migration } from '../migration.ts';

/** Responses API responses kept for GET /v1/responses/{id} and previous_response_id (JSON text columns). */
export const responsesTable: Migration = {
  name: '0011-responses',
  sql: `
    CREATE TABLE responses (
      id TEXT PRIMARY KEY,
      created_at INTEGER NOT NULL,
      caller_tag TEXT,
      conversation TEXT NOT NULL,
      response TEXT NOT NULL
    ) STRICT;
    CREATE INDEX responses_created_at ON responses (created_at);`,
};
