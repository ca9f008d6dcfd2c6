import type pg from 'pg';
import { openPostgresStores } from '../postgres/open-postgres-stores.ts';
import { quoteName, type TableEndpoint } from './table-endpoint.ts';

// Bookkeeping of this database, not data: the migrations applied and the change counter.
const ownTables = ['pyramid_migrations', 'store_changes'];

/**
 * A PostgreSQL database as one side of a store copy (migrated first). As a source it reads in one
 * REPEATABLE READ transaction, so the processes still running on it cannot change what is copied midway.
 */
export async function postgresTableEndpoint(url: string, role: 'source' | 'target'): Promise<TableEndpoint> {
  const stores = await openPostgresStores(url, { poolMax: 1 });
  let client: pg.PoolClient;
  try {
    client = await stores.pool.connect();
    if (role === 'source') await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  } catch (error) {
    await stores.close();
    throw error;
  }
  // A server that goes away must fail the copy's next query, not crash the process.
  client.on('error', () => {});
  const query = async (sql: string, parameters: unknown[] = []) =>
    (await client.query({ text: sql, values: parameters, rowMode: 'array' })).rows as unknown[][];
  const keyTypesOf = new Map<string, string[]>();
  const keyTypes = async (table: string, key: string[]) => {
    let types = keyTypesOf.get(table);
    if (!types) {
      const rows = await query(
        'SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
        [table],
      );
      const byName = new Map(rows.map((row) => [String(row[0]), String(row[1])]));
      types = key.map((column) => quoteName(byName.get(column) ?? 'text'));
      keyTypesOf.set(table, types);
    }
    return types;
  };
  return {
    kind: 'postgres',
    target: stores.target,
    async tables() {
      const rows = await query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
      );
      return rows.map((row) => String(row[0])).filter((name) => !ownTables.includes(name));
    },
    async columns(table) {
      const rows = await query(
        'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position',
        [table],
      );
      return rows.map((row) => ({ name: String(row[0]), boolean: row[1] === 'boolean' }));
    },
    async primaryKey(table) {
      const rows = await query(
        `SELECT a.attname FROM pg_index i
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
           WHERE i.indrelid = $1::regclass AND i.indisprimary
           ORDER BY array_position(i.indkey, a.attnum)`,
        [quoteName(table)],
      );
      return rows.map((row) => String(row[0]));
    },
    async count(table) {
      return Number((await query(`SELECT COUNT(*) FROM ${quoteName(table)}`))[0][0]);
    },
    async read(table, columns, key, after, limit, offset) {
      const list = columns.map(quoteName).join(', ');
      const order = key.map(quoteName).join(', ');
      if (key.length === 0)
        return query(`SELECT ${list} FROM ${quoteName(table)} LIMIT $1 OFFSET $2`, [limit, offset]);
      // A row comparison does not type its parameters: each is cast to its key column's type.
      const types = await keyTypes(table, key);
      const where =
        after === undefined
          ? ''
          : `WHERE (${order}) > (${key.map((_, index) => `$${index + 1}::${types[index]}`).join(', ')}) `;
      return query(
        `SELECT ${list} FROM ${quoteName(table)} ${where}ORDER BY ${order} LIMIT $${after === undefined ? 1 : key.length + 1}`,
        [...(after ?? []), limit],
      );
    },
    async write(table, columns, rows) {
      if (rows.length === 0) return;
      const width = columns.length;
      const values = rows
        .map(
          (_, rowIndex) =>
            `(${columns.map((_, columnIndex) => `$${rowIndex * width + columnIndex + 1}`).join(', ')})`,
        )
        .join(', ');
      // SQLite keeps booleans as 0/1.
      const parameters = rows.flatMap((row) =>
        row.map((value, index) =>
          columns[index].boolean && typeof value === 'number' ? value !== 0 : value,
        ),
      );
      await client.query(
        `INSERT INTO ${quoteName(table)} (${columns.map((column) => quoteName(column.name)).join(', ')}) VALUES ${values}`,
        parameters,
      );
    },
    async clear(tables) {
      if (tables.length > 0) await client.query(`TRUNCATE ${tables.map(quoteName).join(', ')}`);
    },
    async close() {
      try {
        if (role === 'source') await client.query('COMMIT');
      } finally {
        client.release();
        await stores.close();
      }
    },
  };
}
