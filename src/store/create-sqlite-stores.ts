import type { DatabaseSync } from 'node:sqlite';
import type { StoreSet } from '../contracts/stores.ts';
import type { Synchronous } from '../contracts/synchronous.ts';
import { createSqliteDeliveryStore } from './sqlite-delivery-store.ts';
import { createSqliteHistoryPruner } from './sqlite-history-pruner.ts';
import { createSqliteLedgerStore } from './sqlite-ledger-store.ts';
import { createSqliteSchedulerStore } from './sqlite-scheduler-store.ts';
import { createSqliteSessionStore } from './sqlite-session-store.ts';

/** The synchronous SQLite stores on one open database, as the store worker (or the inline stores) serves them. */
export type SqliteStoreSet = { [K in keyof StoreSet]: Synchronous<StoreSet[K]> } & {
  /** Commits the ledger's waiting group now (before closing). */
  flush(): void;
};

export function createSqliteStores(db: DatabaseSync): SqliteStoreSet {
  const ledger = createSqliteLedgerStore(db);
  return {
    ledger,
    scheduler: createSqliteSchedulerStore(db),
    sessions: createSqliteSessionStore(db),
    delivery: createSqliteDeliveryStore(db),
    pruner: createSqliteHistoryPruner(db),
    flush: () => ledger.flush(),
  };
}
