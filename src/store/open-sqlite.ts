import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Migration } from './migration.ts';
import { migrations as allMigrations } from './migrations.ts';
import { runMigrations } from './run-migrations.ts';

export type OpenSqliteOptions = {
  /**
   * NORMAL (default) in WAL mode: a committed transaction survives a crash of the process (the WAL
   * is written before COMMIT returns); only an OS crash or power loss can lose the last commits,
   * because the WAL is not fsynced on every commit. FULL fsyncs on every commit and survives those too.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a write waits for another connection's lock before failing (default 5000 ms). */
  busyTimeoutMs?: number;
  /** The schema steps to apply (default: every Pyramid migration). */
  migrations?: readonly Migration[];
};

/**
 * Opens (creating it and its parent folders) the SQLite database at `path`, or `:memory:`, with WAL,
 * foreign keys and a busy timeout, and brings its schema up to date.
 */
export function openSqlite(path: string, options: OpenSqliteOptions = {}): DatabaseSync {
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const db = new DatabaseSync(path, { enableForeignKeyConstraints: true, timeout: busyTimeoutMs });
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    // In-memory databases have no WAL; they keep journal_mode = memory.
    if (!inMemory) db.exec('PRAGMA journal_mode = WAL');
    db.exec(`PRAGMA synchronous = ${options.synchronous ?? 'NORMAL'}`);
    db.exec('PRAGMA foreign_keys = ON');
    runMigrations(db, options.migrations ?? allMigrations);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Closes a database opened by openSqlite; closing twice is harmless. The last close checkpoints the WAL. */
export function closeSqlite(db: DatabaseSync): void {
  if (!db.isOpen) return;
  db.exec('PRAGMA optimize');
  db.close();
}
