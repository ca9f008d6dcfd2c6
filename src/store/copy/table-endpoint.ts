/** A column of a table, and whether the store keeps it as a boolean (PostgreSQL) rather than 0/1. */
export type TableColumn = { name: string; boolean: boolean };

/**
 * One side of a store copy, table by table, below the store interfaces (every row as it is kept).
 * A source reads one consistent snapshot from the first read until `close`.
 */
export type TableEndpoint = {
  /** `sqlite` or `postgres`. */
  kind: 'sqlite' | 'postgres';
  /** Where it is: a file path, or `host:port/database` (never a password). */
  target: string;
  tables(): Promise<string[]>;
  columns(table: string): Promise<TableColumn[]>;
  /** The primary key's columns, in order (empty when the table has none). */
  primaryKey(table: string): Promise<string[]>;
  count(table: string): Promise<number>;
  /**
   * Up to `limit` rows (values in `columns` order), ordered by `key`, after the key values `after`
   * (from the start when undefined); by offset when `key` is empty.
   */
  read(
    table: string,
    columns: string[],
    key: string[],
    after: unknown[] | undefined,
    limit: number,
    offset: number,
  ): Promise<unknown[][]>;
  /** Inserts the rows (values in `columns` order) in one transaction. */
  write(table: string, columns: TableColumn[], rows: unknown[][]): Promise<void>;
  /** Removes every row of `tables` (and what is derived from them, such as SQLite's ledger rollups). */
  clear(tables: string[]): Promise<void>;
  close(): Promise<void>;
};

/** A table or column name quoted for SQL (both engines take double quotes). */
export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
