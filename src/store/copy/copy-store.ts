import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import type { TableColumn, TableEndpoint } from './table-endpoint.ts';

/**
 * Tables in the order they are copied: a row's parent before it (attempts read their request in
 * SQLite's rollup triggers). Tables not named here (added later) follow, by name.
 */
export const copyOrder = [
  'requests',
  'attempts',
  'sessions',
  'session_messages',
  'agent_notes',
  'jobs',
  'runs',
  'deliveries',
  'delivery_chunks',
  'responses',
];

// The processes of the source are not processes of the target.
const notCopied = ['processes'];

export type CopyProgress = {
  table: string;
  tableRows: number;
  tableTotal: number;
  rows: number;
  total: number;
};

export type CopyReport = {
  from: string;
  to: string;
  tables: { table: string; rows: number }[];
  /** Source tables the target has no counterpart for (for example a state only PostgreSQL shares). */
  skipped: string[];
  rows: number;
  ms: number;
};

const maxParameters = 60_000;

/**
 * Copies every table of `source` to `target` in batches (`batchRows` rows, fewer for wide tables),
 * then checks that the target holds as many rows as the source's snapshot. A target with rows is
 * refused (`target_not_empty`) unless `force`, which empties its tables first.
 */
export async function copyStore(options: {
  source: TableEndpoint;
  target: TableEndpoint;
  force?: boolean;
  batchRows?: number;
  onProgress?: (progress: CopyProgress) => void;
  now?: () => number;
}): Promise<CopyReport> {
  const { source, target } = options;
  const now = options.now ?? Date.now;
  const started = now();
  const sourceTables = new Set(await source.tables());
  const targetTables = new Set(await target.tables());
  const ordered = [
    ...copyOrder.filter((table) => sourceTables.has(table)),
    ...[...sourceTables].filter((table) => !copyOrder.includes(table)).sort(),
  ].filter((table) => !notCopied.includes(table));
  const tables = ordered.filter((table) => targetTables.has(table));
  const skipped = ordered.filter((table) => !targetTables.has(table));

  const occupied: string[] = [];
  for (const table of tables) {
    const rows = await target.count(table);
    if (rows > 0) occupied.push(`${table} (${rows})`);
  }
  if (occupied.length > 0) {
    if (!options.force)
      throw new PyramidError(
        'target_not_empty',
        `${target.target} already holds rows: ${occupied.join(', ')}; copy into an empty store, or pass --force to replace its contents`,
      );
    await target.clear(tables);
  }

  const counts = new Map<string, number>();
  for (const table of tables) counts.set(table, await source.count(table));
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  let copied = 0;
  for (const table of tables) {
    const tableTotal = counts.get(table) ?? 0;
    const targetColumns = new Map((await target.columns(table)).map((column) => [column.name, column]));
    const columns: TableColumn[] = (await source.columns(table))
      .filter((column) => targetColumns.has(column.name))
      .map((column) => targetColumns.get(column.name) as TableColumn);
    const names = columns.map((column) => column.name);
    const key = await source.primaryKey(table);
    const keyIndexes = key.map((column) => names.indexOf(column));
    if (keyIndexes.includes(-1))
      throw new PyramidError(
        'copy_failed',
        `${target.target} lacks a key column of ${table}: migrate it first`,
      );
    const limit = Math.max(1, Math.min(options.batchRows ?? 1000, Math.floor(maxParameters / names.length)));
    let after: unknown[] | undefined;
    let tableRows = 0;
    options.onProgress?.({ table, tableRows, tableTotal, rows: copied, total });
    for (;;) {
      const rows = await source.read(table, names, key, after, limit, tableRows);
      if (rows.length === 0) break;
      await target.write(table, columns, rows);
      tableRows += rows.length;
      copied += rows.length;
      after = keyIndexes.map((index) => rows[rows.length - 1][index]);
      options.onProgress?.({ table, tableRows, tableTotal, rows: copied, total });
      if (rows.length < limit) break;
    }
  }

  const report: CopyReport['tables'] = [];
  const wrong: string[] = [];
  for (const table of tables) {
    const expected = counts.get(table) ?? 0;
    const found = await target.count(table);
    if (found !== expected) wrong.push(`${table}: ${found} of ${expected}`);
    report.push({ table, rows: found });
  }
  if (wrong.length > 0)
    throw new PyramidError(
      'copy_mismatch',
      `the copy in ${target.target} does not hold what the source does (${wrong.join(', ')}): copy again with --force`,
    );
  return {
    from: source.target,
    to: target.target,
    tables: report,
    skipped,
    rows: copied,
    ms: now() - started,
  };
}
