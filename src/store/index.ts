export type { Migration } from './migration.ts';
export { migrations } from './migrations.ts';
export { closeSqlite, type OpenSqliteOptions, openSqlite } from './open-sqlite.ts';
export { runMigrations, schemaVersion } from './run-migrations.ts';
export { createSqliteLedgerStore } from './sqlite-ledger-store.ts';
export { createSqliteSchedulerStore } from './sqlite-scheduler-store.ts';
export { createSqliteSessionStore, estimateTokens } from './sqlite-session-store.ts';
export { startWalCheckpointer, type WalCheckpointer } from './start-wal-checkpointer.ts';
export { transaction } from './transaction.ts';
