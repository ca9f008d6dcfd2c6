import type { DatabaseSync } from 'node:sqlite';
import type { StoreSet } from '../contracts/stores.ts';
import type { Synchronous } from '../contracts/synchronous.ts';
import { createSqliteDashboardStore } from './sqlite-dashboard-store.ts';
import { createSqliteDeliveryStore } from './sqlite-delivery-store.ts';
import { createSqliteHistoryPruner } from './sqlite-history-pruner.ts';
import { withLedgerRollups } from './sqlite-ledger-rollups.ts';
import { createSqliteLedgerStore } from './sqlite-ledger-store.ts';
import { createSqliteProcessRegistry } from './sqlite-process-registry.ts';
import { createSqliteResponseStore } from './sqlite-response-store.ts';
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
    ledger: withLedgerRollups(db, ledger),
    scheduler: createSqliteSchedulerStore(db),
    sessions: createSqliteSessionStore(db),
    delivery: createSqliteDeliveryStore(db),
    pruner: createSqliteHistoryPruner(db),
    dashboard: createSqliteDashboardStore(db),
    responses: createSqliteResponseStore(db),
    processes: createSqliteProcessRegistry(db),
    flush: () => ledger.flush(),
  };
}
