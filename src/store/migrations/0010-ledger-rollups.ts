import type { Migration } from '../migration.ts';

const hour = (column: string) => `(${column} - ${column} % 3600000)`;

// The summed columns of both rollup tables, each with the value one row adds: `request(P)` for a request
// row P, `attempt(A, R)` for an attempt A of request R. Baselines and climbs are NULL on rows from before
// 0009; they add nothing (and are not counted) there, as the plain reports treat them.
const columns = [
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
] as const;
const plain = (row: string) => columns.slice(0, 6).map((column) => `${row}.${column}`);
const baselines = (row: string) => [
  `(${row}.top_tier_cost_usd IS NOT NULL)`,
  `(CASE WHEN ${row}.top_tier_cost_usd IS NOT NULL THEN ${row}.cost_usd ELSE 0 END)`,
  `COALESCE(${row}.top_tier_cost_usd, 0)`,
  `COALESCE(${row}.cheapest_cloud_cost_usd, 0)`,
];
const request = (row: string) => [
  ...plain(row),
  ...baselines(row),
  `(${row}.climbed_from_tier IS NOT NULL)`,
  `(CASE WHEN ${row}.climbed_from_tier IS NOT NULL THEN ${row}.cost_usd ELSE 0 END)`,
  `COALESCE(${row}.climb_planned_cost_usd, 0)`,
];
// A climb is its request's, counted once: on the attempt that answered it.
const attempt = (row: string, parent: string) => [
  ...plain(row),
  ...baselines(row),
  `(${row}.answered = 1 AND ${parent}.climbed_from_tier IS NOT NULL)`,
  `(CASE WHEN ${row}.answered = 1 AND ${parent}.climbed_from_tier IS NOT NULL THEN ${parent}.cost_usd ELSE 0 END)`,
  `(CASE WHEN ${row}.answered = 1 THEN COALESCE(${parent}.climb_planned_cost_usd, 0) ELSE 0 END)`,
];
const sums = columns.join(', ');
const typed = columns
  .map((column) => `${column} ${column.endsWith('_usd') ? 'REAL' : 'INTEGER'} NOT NULL`)
  .join(',\n      ');
const summedAs = (values: string[]) =>
  values.map((value, index) => `SUM(${value}) AS ${columns[index]}`).join(', ');
const added = (table: string) =>
  columns.map((column) => `${column} = ${table}.${column} + excluded.${column}`).join(', ');
const subtracted = (table: string, values: string[]) =>
  columns.map((column, index) => `${column} = ${table}.${column} - ${values[index]}`).join(', ');

/**
 * Hourly rollups of the ledger, kept by triggers as rows are written (and pruned), so that usage reports
 * and the dashboard read a few hundred rollup rows instead of scanning a year of requests. An hour is
 * `started_at` floored to the UTC hour (ms); attempts count in their request's hour, as reports window
 * attempts by their request. `caller_tag` and `reason` are '' for none (NULL cannot be in a key).
 * Existing rows are summed in once here.
 */
export const ledgerRollups: Migration = {
  name: '0010-ledger-rollups',
  sql: `
    CREATE TABLE ledger_hour_requests (
      hour INTEGER NOT NULL,
      resolved_task TEXT NOT NULL,
      caller_tag TEXT NOT NULL,
      outcome TEXT NOT NULL,
      requests INTEGER NOT NULL,
      attempts INTEGER NOT NULL,
      ${typed},
      PRIMARY KEY (hour, resolved_task, caller_tag, outcome)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE ledger_hour_attempts (
      hour INTEGER NOT NULL,
      model TEXT NOT NULL,
      tier INTEGER NOT NULL,
      outcome TEXT NOT NULL,
      reason TEXT NOT NULL,
      answered INTEGER NOT NULL,
      attempts INTEGER NOT NULL,
      ${typed},
      PRIMARY KEY (hour, model, tier, outcome, reason, answered)
    ) STRICT, WITHOUT ROWID;

    INSERT INTO ledger_hour_requests
      SELECT ${hour('started_at')}, resolved_task, COALESCE(caller_tag, ''), outcome, COUNT(*),
        SUM(attempt_count), ${summedAs(request('requests'))}
      FROM requests GROUP BY 1, 2, 3, 4;

    INSERT INTO ledger_hour_attempts
      SELECT ${hour('r.started_at')}, a.model, a.tier, a.outcome, COALESCE(a.reason, ''), a.answered, COUNT(*),
        ${summedAs(attempt('a', 'r'))}
      FROM attempts a JOIN requests r ON r.request_id = a.request_id GROUP BY 1, 2, 3, 4, 5, 6;

    CREATE TRIGGER ledger_hour_requests_added AFTER INSERT ON requests BEGIN
      INSERT INTO ledger_hour_requests (hour, resolved_task, caller_tag, outcome, requests, attempts, ${sums})
      VALUES (${hour('NEW.started_at')}, NEW.resolved_task, COALESCE(NEW.caller_tag, ''), NEW.outcome, 1,
        NEW.attempt_count, ${request('NEW').join(', ')})
      ON CONFLICT DO UPDATE SET
        requests = ledger_hour_requests.requests + 1,
        attempts = ledger_hour_requests.attempts + excluded.attempts, ${added('ledger_hour_requests')};
    END;

    CREATE TRIGGER ledger_hour_attempts_added AFTER INSERT ON attempts BEGIN
      INSERT INTO ledger_hour_attempts (hour, model, tier, outcome, reason, answered, attempts, ${sums})
      SELECT ${hour('r.started_at')}, NEW.model, NEW.tier, NEW.outcome, COALESCE(NEW.reason, ''), NEW.answered, 1,
        ${attempt('NEW', 'r').join(', ')}
      FROM requests r WHERE r.request_id = NEW.request_id
      ON CONFLICT DO UPDATE SET
        attempts = ledger_hour_attempts.attempts + 1, ${added('ledger_hour_attempts')};
    END;

    -- Before the request goes (its attempts go with it by cascade), so its attempts can still be summed.
    CREATE TRIGGER ledger_hour_rollups_removed BEFORE DELETE ON requests BEGIN
      UPDATE ledger_hour_requests SET
        requests = requests - 1,
        attempts = attempts - OLD.attempt_count,
        ${subtracted('ledger_hour_requests', request('OLD'))}
      WHERE hour = ${hour('OLD.started_at')} AND resolved_task = OLD.resolved_task
        AND caller_tag = COALESCE(OLD.caller_tag, '') AND outcome = OLD.outcome;
      UPDATE ledger_hour_attempts SET attempts = ledger_hour_attempts.attempts - gone.attempts,
        ${subtracted(
          'ledger_hour_attempts',
          columns.map((column) => `gone.${column}`),
        )}
      FROM (
        SELECT a.model, a.tier, a.outcome, COALESCE(a.reason, '') AS reason, a.answered, COUNT(*) AS attempts,
          ${summedAs(attempt('a', 'OLD'))}
        FROM attempts a WHERE a.request_id = OLD.request_id GROUP BY 1, 2, 3, 4, 5
      ) AS gone
      WHERE ledger_hour_attempts.hour = ${hour('OLD.started_at')} AND ledger_hour_attempts.model = gone.model
        AND ledger_hour_attempts.tier = gone.tier AND ledger_hour_attempts.outcome = gone.outcome
        AND ledger_hour_attempts.reason = gone.reason AND ledger_hour_attempts.answered = gone.answered;
    END;
  `,
};
