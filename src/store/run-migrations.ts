import type { DatabaseSync } from 'node:sqlite';
import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import type { Migration } from './migration.ts';
import { transaction } from './transaction.ts';

/** The schema version a database records (PRAGMA user_version): how many migrations it has applied. */
export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  return row.user_version;
}

/** A database a newer Pyramid wrote (schema `version`, past the `known` migrations): refused, never changed. */
export function storeTooNew(version: number, known: number): PyramidError {
  return new PyramidError(
    'store_too_new',
    `the database is at schema version ${version}, newer than this Pyramid knows (${known}); upgrade Pyramid (the database was left unchanged)`,
  );
}

/**
 * Applies the migrations a database has not applied yet, each with its version bump in one
 * transaction, so a failed step leaves the database at the previous version with nothing half-done.
 * Safe when several processes open the same file at once: each step re-reads the version under the write lock.
 */
export function runMigrations(
  db: DatabaseSync,
  migrations: readonly Migration[],
): { from: number; to: number } {
  const from = schemaVersion(db);
  if (from > migrations.length) throw storeTooNew(from, migrations.length);
  for (let index = from; index < migrations.length; index++) {
    const migration = migrations[index];
    transaction(db, () => {
      if (schemaVersion(db) > index) return;
      try {
        db.exec(migration.sql);
      } catch (cause) {
        throw new PyramidError(
          'store_migration_failed',
          `migration ${migration.name} failed: ${String(cause)}`,
          {
            cause,
          },
        );
      }
      db.exec(`PRAGMA user_version = ${index + 1}`);
    });
  }
  return { from, to: schemaVersion(db) };
}
