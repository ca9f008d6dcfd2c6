import type { Migration } from '../migration.ts';

/**
 * More baselines per request and attempt: everything on the top tier, everything on the cheapest cloud
 * model the request's tier allows, and the climb of a request pushed up by provider failures. Rows from
 * before this step keep NULL there: their prices and plans are not known any more, and reports say so
 * rather than count them as zero.
 */
export const ledgerBaselines: Migration = {
  name: '0009-ledger-baselines',
  sql: `
    ALTER TABLE requests ADD COLUMN start_tier INTEGER;
    ALTER TABLE requests ADD COLUMN top_tier_cost_usd REAL;
    ALTER TABLE requests ADD COLUMN cheapest_cloud_cost_usd REAL;
    ALTER TABLE requests ADD COLUMN climbed_from_tier INTEGER;
    ALTER TABLE requests ADD COLUMN climb_planned_cost_usd REAL;
    ALTER TABLE attempts ADD COLUMN top_tier_cost_usd REAL;
    ALTER TABLE attempts ADD COLUMN cheapest_cloud_cost_usd REAL;
  `,
};
