import type { Migration } from '../migration.ts';

const dayMs = 86_400_000;

// The summed columns of 0010's hourly tables, as they were when this step shipped.
const sums = [
  'input_tokens',
  'output_tokens',
  'reasoning_tokens',
  'cached_input_tokens',
  'cost_usd',
  'cloud_only_cost_usd',
  'baseline_count',
  'baseline_actual_cost_usd',
  'top_tier_cost_usd',
  'cheapest_cloud_cost_usd',
  'climbed_requests',
  'climbed_cost_usd',
  'climbed_planned_cost_usd',
];

const requestKeys = ['resolved_task', 'caller_tag', 'outcome'];
const attemptKeys = ['model', 'tier', 'outcome', 'reason', 'answered'];
const keyTypes: Record<string, string> = { tier: 'INTEGER', answered: 'INTEGER' };

/**
 * A rollup table `name` over a finer one, `source` (time column `from`): its rows summed into buckets
 * (time column `to`, the bucket's start in ms from `bucket(column)`), kept by triggers on the source, so
 * every change to a source row (a written request, a pruned one) reaches its bucket.
 */
function coarserTable(
  name: string,
  source: { table: string; time: string },
  to: string,
  bucket: (column: string) => string,
  keys: string[],
  counts: string[],
): string {
  const columns = [...counts, ...sums];
  const typed = columns
    .map((column) => `${column} ${column.endsWith('_usd') ? 'REAL' : 'INTEGER'} NOT NULL`)
    .join(',\n      ');
  const list = columns.join(', ');
  const fromNew = columns.map((column) => `NEW.${column}`).join(', ');
  const summed = columns.map((column) => `SUM(${column})`).join(', ');
  const added = columns.map((column) => `${column} = ${name}.${column} + excluded.${column}`).join(', ');
  const changed = columns
    .map((column) => `${column} = ${name}.${column} + NEW.${column} - OLD.${column}`)
    .join(', ');
  const keyColumns = keys.map((key) => `${key} ${keyTypes[key] ?? 'TEXT'} NOT NULL, `).join('');
  const sameKeys = keys.map((key) => ` AND ${key} = NEW.${key}`).join('');
  const keyList = keys.map((key) => `, ${key}`).join('');
  const newKeys = keys.map((key) => `, NEW.${key}`).join('');
  const groupBy = ['1', ...keys.map((_, index) => String(index + 2))].join(', ');
  return `
    CREATE TABLE ${name} (
      ${to} INTEGER NOT NULL, ${keyColumns}
      ${typed},
      PRIMARY KEY (${to}${keyList})
    ) STRICT, WITHOUT ROWID;

    INSERT INTO ${name} (${to}${keyList}, ${list})
      SELECT ${bucket(source.time)}${keyList}, ${summed} FROM ${source.table} GROUP BY ${groupBy};

    CREATE TRIGGER ${name}_added AFTER INSERT ON ${source.table} BEGIN
      INSERT INTO ${name} (${to}${keyList}, ${list})
      VALUES (${bucket(`NEW.${source.time}`)}${newKeys}, ${fromNew})
      ON CONFLICT DO UPDATE SET ${added};
    END;

    CREATE TRIGGER ${name}_changed AFTER UPDATE ON ${source.table} BEGIN
      UPDATE ${name} SET ${changed}
      WHERE ${to} = ${bucket(`NEW.${source.time}`)}${sameKeys};
    END;`;
}

const toDay = (column: string) => `(${column} - ${column} % ${dayMs})`;
// The UTC month's first day, in ms.
const toMonth = (column: string) =>
  `(CAST(strftime('%s', ${column} / 1000, 'unixepoch', 'start of month') AS INTEGER) * 1000)`;

/**
 * Daily rollups over 0010's hourly ones, and monthly ones over those (UTC days and months), each kept by
 * triggers on the finer table, so a usage report over a year reads a few thousand month and day rows
 * rather than hundreds of thousands of hour rows: with 1,000,000 requests over a year the hourly tables
 * hold about 40 rows per hour and the daily ones about 270 per day; `ledger_day_totals` keeps one row a day
 * (reports by day). Existing rows are summed in once here.
 */
export const ledgerDayMonthRollups: Migration = {
  name: '0014-ledger-day-month-rollups',
  sql: [
    coarserTable(
      'ledger_day_requests',
      { table: 'ledger_hour_requests', time: 'hour' },
      'day',
      toDay,
      requestKeys,
      ['requests', 'attempts'],
    ),
    coarserTable(
      'ledger_day_attempts',
      { table: 'ledger_hour_attempts', time: 'hour' },
      'day',
      toDay,
      attemptKeys,
      ['attempts'],
    ),
    coarserTable(
      'ledger_month_requests',
      { table: 'ledger_day_requests', time: 'day' },
      'month',
      toMonth,
      requestKeys,
      ['requests', 'attempts'],
    ),
    coarserTable(
      'ledger_month_attempts',
      { table: 'ledger_day_attempts', time: 'day' },
      'month',
      toMonth,
      attemptKeys,
      ['attempts'],
    ),
    // A year grouped by day: one row a day.
    coarserTable(
      'ledger_day_totals',
      { table: 'ledger_day_requests', time: 'day' },
      'day',
      (column) => column,
      [],
      ['requests', 'attempts'],
    ),
  ].join('\n'),
};
