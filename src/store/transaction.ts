import type { DatabaseSync } from 'node:sqlite';

/**
 * Runs `work` inside one write transaction: committed if it returns, rolled back if it throws.
 * BEGIN IMMEDIATE takes the write lock up front, so a busy database waits (busy_timeout) at BEGIN
 * instead of failing half-way when a read would have to be upgraded to a write.
 */
export function transaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
