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

function dayTable(name: string, hourly: string, keys: string[], counts: string[]): string {
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
  const keyColumns = keys.map((key) => `${key} ${keyTypes[key] ?? 'TEXT'} NOT NULL`).join(', ');
  const sameKeys = keys.map((key) => `${key} = NEW.${key}`).join(' AND ');
  return `
    CREATE TABLE ${name} (
      day INTEGER NOT NULL, ${keyColumns},
      ${typed},
      PRIMARY KEY (day, ${keys.join(', ')})
    ) STRICT, WITHOUT ROWID;

    INSERT INTO ${name} (day, ${keys.join(', ')}, ${list})
      SELECT hour - hour % ${dayMs}, ${keys.join(', ')}, ${summed} FROM ${hourly} GROUP BY 1, ${keys.map((_, index) => index + 2).join(', ')};

    CREATE TRIGGER ${name}_added AFTER INSERT ON ${hourly} BEGIN
      INSERT INTO ${name} (day, ${keys.join(', ')}, ${list})
      VALUES (NEW.hour - NEW.hour % ${dayMs}, ${keys.map((key) => `NEW.${key}`).join(', ')}, ${fromNew})
      ON CONFLICT DO UPDATE SET ${added};
    END;

    CREATE TRIGGER ${name}_changed AFTER UPDATE ON ${hourly} BEGIN
      UPDATE ${name} SET ${changed}
      WHERE day = NEW.hour - NEW.hour % ${dayMs} AND ${sameKeys};
    END;`;
}

/**
 * Daily rollups over 0010's hourly ones, kept by triggers on the hourly tables (every change to an hour,
 * a written request or a pruned one, is added to its UTC day), so a usage report over a year reads a
 * few tens of thousands of day rows rather than hundreds of thousands of hour rows: with 1,000,000
 * requests over a year the hourly tables hold about 40 rows per hour. Existing hours are summed in once here.
 */
export const ledgerDayRollups: Migration = {
  name: '0013-ledger-day-rollups',
  sql: `${dayTable('ledger_day_requests', 'ledger_hour_requests', requestKeys, ['requests', 'attempts'])}
    ${dayTable('ledger_day_attempts', 'ledger_hour_attempts', attemptKeys, ['attempts'])}`,
};
