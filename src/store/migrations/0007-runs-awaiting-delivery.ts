import type { Migration } from '../migration.ts';

/** Finished runs whose delivery is not settled yet, found at start without reading the whole history. */
export const runsAwaitingDelivery: Migration = {
  name: '0007-runs-awaiting-delivery',
  sql: `CREATE INDEX runs_awaiting_delivery ON runs (queued_at) WHERE delivery_status = 'pending';`,
};
