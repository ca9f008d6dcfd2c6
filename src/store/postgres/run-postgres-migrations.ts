import type { Pool, PoolClient } from 'pg';
import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import type { Migration } from '../migration.ts';

// Any fixed number: every Pyramid process takes this advisory lock to migrate, so one migrates and the
// others wait, then find the steps done.
const migrationLock = 7_310_432_118;

/** How many steps the database has applied (0 for an empty one). */
export async function postgresSchemaVersion(client: Pool | PoolClient): Promise<number> {
  const exists = await client.query<{ present: boolean }>(
    "SELECT to_regclass('pyramid_migrations') IS NOT NULL AS present",
  );
  if (!exists.rows[0].present) return 0;
  const row = await client.query<{ version: number | null }>(
    'SELECT MAX(version) AS version FROM pyramid_migrations',
  );
  return Number(row.rows[0].version ?? 0);
}

/**
 * Applies the steps the database has not applied yet, each with its record in one transaction (DDL is
 * transactional in PostgreSQL: a failed step leaves nothing half-done). Safe when several processes
 * start at once: they queue on an advisory lock, and each step re-reads the version under it.
 */
export async function runPostgresMigrations(
  pool: Pool,
  migrations: readonly Migration[],
  now: () => number = Date.now,
): Promise<{ from: number; to: number }> {
  const client = await pool.connect();
  try {
    const from = await postgresSchemaVersion(client);
    if (from > migrations.length) throw tooNew(from, migrations.length);
    for (let index = from; index < migrations.length; index++) {
      const migration = migrations[index];
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [migrationLock]);
        await client.query(`CREATE TABLE IF NOT EXISTS pyramid_migrations (
          version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
        const current = await postgresSchemaVersion(client);
        if (current > migrations.length) throw tooNew(current, migrations.length);
        if (current <= index) {
          try {
            await client.query(migration.sql);
          } catch (cause) {
            throw new PyramidError(
              'store_migration_failed',
              `migration ${migration.name} failed: ${(cause as Error).message}`,
              { cause },
            );
          }
          await client.query(
            'INSERT INTO pyramid_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [index + 1, migration.name, Math.round(now())],
          );
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    }
    return { from, to: await postgresSchemaVersion(client) };
  } finally {
    client.release();
  }
}

function tooNew(version: number, known: number): PyramidError {
  return new PyramidError(
    'store_too_new',
    `the PostgreSQL database is at schema version ${version}, newer than this Pyramid knows (${known}); upgrade Pyramid`,
  );
}
