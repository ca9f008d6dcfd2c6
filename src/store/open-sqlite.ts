import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import type { Migration } from './migration.ts';
import { migrations as allMigrations } from './migrations.ts';
import { runMigrations, storeTooNew } from './run-migrations.ts';
import { notPyramidDatabase, storeOpenError } from './store-open-error.ts';

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
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const migrations = options.migrations ?? allMigrations;
  let db: DatabaseSync;
  try {
    if (!inMemory) {
      createParentFolder(path);
      // Prompts, outputs and costs live here: readable by its owner only. SQLite gives the -wal and
      // -shm files the database file's mode, so creating it 0600 covers them too.
      if (!existsSync(path)) createPrivateFile(path);
    }
    db = new DatabaseSync(path, { enableForeignKeyConstraints: true, timeout: busyTimeoutMs });
  } catch (error) {
    throw storeOpenError(path, error);
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    // Before anything writes to it: another program's database must not be switched to WAL or given our tables.
    const { version, objects } = db
      .prepare(
        'SELECT (SELECT user_version FROM pragma_user_version) AS version, (SELECT COUNT(*) FROM sqlite_master) AS objects',
      )
      .get() as { version: number; objects: number };
    if (version === 0 && objects > 0 && migrations.length > 0) {
      throw notPyramidDatabase(path, 'it holds tables but no Pyramid schema version');
    }
    // A newer Pyramid's database is refused before the journal mode is touched (it may not be WAL).
    if (version > migrations.length) throw storeTooNew(version, migrations.length);
    // In-memory databases have no WAL; they keep journal_mode = memory.
    if (!inMemory) db.exec('PRAGMA journal_mode = WAL');
    db.exec(`PRAGMA synchronous = ${options.synchronous ?? 'NORMAL'}`);
    db.exec('PRAGMA foreign_keys = ON');
    runMigrations(db, migrations);
  } catch (error) {
    db.close();
    throw storeOpenError(path, error);
  }
  return db;
}

function createParentFolder(path: string): void {
  const folder = dirname(path);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'a file is in the way of that folder'
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? 'permission denied'
          : code;
    throw new PyramidError(
      'store_cannot_open',
      `cannot create the folder ${folder} for the database (${why}); set PYRAMID_HOME to a folder Pyramid can write`,
      { cause: error },
    );
  }
}

/** Closes a database opened by openSqlite; closing twice is harmless. The last close checkpoints the WAL. */
export function closeSqlite(db: DatabaseSync): void {
  if (!db.isOpen) return;
  db.exec('PRAGMA optimize');
  db.close();
}

/** An empty file (a valid empty SQLite database) with mode 0600; another process creating it first is fine. */
function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
