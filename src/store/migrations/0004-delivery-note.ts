import type { Migration } from '../migration.ts';

/**
 * A delivery's note: how it was sent when that differs from the plan (a Telegram chunk sent as plain
 * text because its HTML was refused). last_error cannot hold it: it is the reason a delivery is not
 * delivered, and is cleared when it is.
 */
export const deliveryNote: Migration = {
  name: '0004-delivery-note',
  sql: 'ALTER TABLE deliveries ADD COLUMN note TEXT;',
};
