import type { DatabaseSync } from 'node:sqlite';
import { StoreError } from '../contracts/errors/store-error.ts';
import type { Stores } from '../contracts/stores.ts';
import { createSqliteStores } from './create-sqlite-stores.ts';
import { forwardStores } from './forward-stores.ts';
import { closeSqlite, type OpenSqliteOptions, openSqlite } from './open-sqlite.ts';
import { StoreStatusTracker } from './store-status-tracker.ts';
import { toStoreError } from './to-store-error.ts';

/**
 * The SQLite stores on this thread: for short CLI commands and tests, where a worker thread would only
 * add start-up time. A long-running process uses startSqliteStoreWorker instead, so that a busy
 * database never blocks its event loop. Pass an open database to share it (the caller then closes it).
 */
export function openInlineStores(
  target: string | DatabaseSync,
  options: OpenSqliteOptions & { now?: () => number } = {},
): Stores & { db: DatabaseSync } {
  const owned = typeof target === 'string';
  const db = owned ? openSqlite(target, options) : target;
  const sqlite = createSqliteStores(db);
  const tracker = new StoreStatusTracker(options.now);
  let closed = false;
  const stores = forwardStores(async (store, method, args) => {
    if (closed) throw new StoreError('store_closed', 'the store is closed');
    const target = sqlite[store] as unknown as Record<string, (...args: unknown[]) => unknown>;
    try {
      return await target[method](...args);
    } catch (error) {
      throw toStoreError(error);
    }
  }, tracker);
  return {
    ...stores,
    db,
    status: () => tracker.status(),
    onStatus: (listener) => tracker.onStatus(listener),
    async close() {
      if (closed) return;
      closed = true;
      sqlite.flush();
      if (owned) closeSqlite(db);
    },
  };
}
