import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { closeSqlite, openSqlite } from '../open-sqlite.ts';
import { quoteName, type TableEndpoint } from './table-endpoint.ts';

// Kept by triggers from the ledger's rows: rebuilt as those are written, never copied.
const derivedTables = ['ledger_hour_requests', 'ledger_hour_attempts'];

/**
 * A pyramid.db as one side of a store copy: opened (created and migrated when it is the target). As a
 * source it reads inside one transaction, so a running `pyramid start` cannot change what is copied
 * midway (WAL readers see one snapshot).
 */
export function sqliteTableEndpoint(path: string, role: 'source' | 'target'): TableEndpoint {
  const db: DatabaseSync = openSqlite(path);
  let reading = false;
  const snapshot = () => {
    if (role === 'source' && !reading) {
      db.exec('BEGIN');
      reading = true;
    }
  };
  return {
    kind: 'sqlite',
    target: path,
    async tables() {
      snapshot();
      const rows = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .all() as { name: string }[];
      return rows.map((row) => row.name).filter((name) => !derivedTables.includes(name));
    },
    async columns(table) {
      const rows = db.prepare(`PRAGMA table_info(${quoteName(table)})`).all() as { name: string }[];
      return rows.map((row) => ({ name: row.name, boolean: false }));
    },
    async primaryKey(table) {
      const rows = db.prepare(`PRAGMA table_info(${quoteName(table)})`).all() as {
        name: string;
        pk: number;
      }[];
      return rows
        .filter((row) => row.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((row) => row.name);
    },
    async count(table) {
      snapshot();
      return Number((db.prepare(`SELECT COUNT(*) AS n FROM ${quoteName(table)}`).get() as { n: number }).n);
    },
    async read(table, columns, key, after, limit, offset) {
      snapshot();
      const list = columns.map(quoteName).join(', ');
      const order = key.map(quoteName).join(', ');
      let sql: string;
      let parameters: SQLInputValue[];
      if (key.length === 0) {
        sql = `SELECT ${list} FROM ${quoteName(table)} LIMIT ? OFFSET ?`;
        parameters = [limit, offset];
      } else {
        const where = after === undefined ? '' : `WHERE (${order}) > (${key.map(() => '?').join(', ')}) `;
        sql = `SELECT ${list} FROM ${quoteName(table)} ${where}ORDER BY ${order} LIMIT ?`;
        parameters = [...((after ?? []) as SQLInputValue[]), limit];
      }
      const rows = db.prepare(sql).all(...parameters) as Record<string, unknown>[];
      return rows.map((row) => columns.map((column) => row[column]));
    },
    async write(table, columns, rows) {
      const insert = db.prepare(
        `INSERT INTO ${quoteName(table)} (${columns.map((column) => quoteName(column.name)).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      );
      db.exec('BEGIN');
      try {
        for (const row of rows)
          insert.run(
            ...(row.map((value) =>
              typeof value === 'boolean' ? (value ? 1 : 0) : value,
            ) as SQLInputValue[]),
          );
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
    async clear(tables) {
      db.exec('BEGIN');
      try {
        for (const table of [...tables].reverse()) db.exec(`DELETE FROM ${quoteName(table)}`);
        for (const table of derivedTables) db.exec(`DELETE FROM ${quoteName(table)}`);
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
    async close() {
      if (reading) db.exec('COMMIT');
      closeSqlite(db);
    },
  };
}
