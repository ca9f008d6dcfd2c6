import type { Migration } from '../../migration.ts';

/**
 * Main's SQLite steps 0008 (attempts may be routing decisions: `waited`, `not_climbed`), 0009 (the
 * baselines and climbs of a request and its attempts; NULL on older rows, never a made-up zero) and 0011
 * (Responses API responses, JSON kept as text so it reads back byte for byte). SQLite's hourly rollups
 * (0010) have no counterpart: the dashboard's queries read the rows here.
 */
export const postgresLedgerBaselinesResponses: Migration = {
  name: '0003-ledger-baselines-responses',
  sql: `
    ALTER TABLE attempts DROP CONSTRAINT attempts_outcome_check;
    ALTER TABLE attempts ADD CONSTRAINT attempts_outcome_check
      CHECK (outcome IN ('ok', 'error', 'inadequate', 'waited', 'not_climbed'));

    ALTER TABLE requests ADD COLUMN start_tier INTEGER;
    ALTER TABLE requests ADD COLUMN top_tier_cost_usd DOUBLE PRECISION;
    ALTER TABLE requests ADD COLUMN cheapest_cloud_cost_usd DOUBLE PRECISION;
    ALTER TABLE requests ADD COLUMN climbed_from_tier INTEGER;
    ALTER TABLE requests ADD COLUMN climb_planned_cost_usd DOUBLE PRECISION;
    ALTER TABLE attempts ADD COLUMN top_tier_cost_usd DOUBLE PRECISION;
    ALTER TABLE attempts ADD COLUMN cheapest_cloud_cost_usd DOUBLE PRECISION;

    CREATE TABLE responses (
      id TEXT PRIMARY KEY,
      created_at BIGINT NOT NULL,
      caller_tag TEXT,
      conversation TEXT NOT NULL,
      response TEXT NOT NULL
    );
    CREATE INDEX responses_created_at ON responses (created_at);
  `,
};
