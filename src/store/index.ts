export { type BackoffFailuresOptions, createBackoffFailures } from './create-backoff-failures.ts';
export { createSqliteStores, type SqliteStoreSet } from './create-sqlite-stores.ts';
export type { Migration } from './migration.ts';
export { migrations } from './migrations.ts';
export { openInlineStores } from './open-inline-stores.ts';
export { closeSqlite, type OpenSqliteOptions, openSqlite } from './open-sqlite.ts';
export { pruneHistory, retentionCutoffs } from './prune-history.ts';
export { runMigrations, schemaVersion } from './run-migrations.ts';
export { createSqliteHistoryPruner } from './sqlite-history-pruner.ts';
export { createSqliteLedgerStore } from './sqlite-ledger-store.ts';
export { createSqliteResponseStore, type SyncResponseStore } from './sqlite-response-store.ts';
export { createSqliteSchedulerStore } from './sqlite-scheduler-store.ts';
export { createSqliteSessionStore, estimateTokens } from './sqlite-session-store.ts';
export { startWalCheckpointer, type WalCheckpointer } from './start-wal-checkpointer.ts';
export { toStoreError } from './to-store-error.ts';
export { transaction } from './transaction.ts';
export {
  type StoreWorkerOptions,
  startSqliteStoreWorker,
  type WorkerStores,
} from './worker/start-sqlite-store-worker.ts';
