import type { Migration } from '../migration.ts';

const hour = (column: string) => `(${column} - ${column} % 3600000)`;
const sums = `input_tokens, output_tokens, reasoning_tokens, cached_input_tokens, cost_usd, cloud_only_cost_usd`;
const added = (table: string) => `
  input_tokens = ${table}.input_tokens + excluded.input_tokens,
  output_tokens = ${table}.output_tokens + excluded.output_tokens,
  reasoning_tokens = ${table}.reasoning_tokens + excluded.reasoning_tokens,
  cached_input_tokens = ${table}.cached_input_tokens + excluded.cached_input_tokens,
  cost_usd = ${table}.cost_usd + excluded.cost_usd,
  cloud_only_cost_usd = ${table}.cloud_only_cost_usd + excluded.cloud_only_cost_usd`;
const subtracted = (table: string, from: string) => `
  input_tokens = ${table}.input_tokens - ${from}.input_tokens,
  output_tokens = ${table}.output_tokens - ${from}.output_tokens,
  reasoning_tokens = ${table}.reasoning_tokens - ${from}.reasoning_tokens,
  cached_input_tokens = ${table}.cached_input_tokens - ${from}.cached_input_tokens,
  cost_usd = ${table}.cost_usd - ${from}.cost_usd,
  cloud_only_cost_usd = ${table}.cloud_only_cost_usd - ${from}.cloud_only_cost_usd`;
const summed = `SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
  SUM(reasoning_tokens) AS reasoning_tokens, SUM(cached_input_tokens) AS cached_input_tokens,
  SUM(cost_usd) AS cost_usd, SUM(cloud_only_cost_usd) AS cloud_only_cost_usd`;

/**
 * Hourly rollups of the ledger, kept by triggers as rows are written (and pruned), so that usage reports
 * and the dashboard read a few hundred rollup rows instead of scanning a year of requests. An hour is
 * `started_at` floored to the UTC hour (ms); attempts count in their request's hour, as reports window
 * attempts by their request. `caller_tag` and `reason` are '' for none (NULL cannot be in a key).
 * Existing rows are summed in once here.
 */
export const ledgerRollups: Migration = {
  name: '0009-ledger-rollups',
  sql: `
    CREATE TABLE ledger_hour_requests (
      hour INTEGER NOT NULL,
      resolved_task TEXT NOT NULL,
      caller_tag TEXT NOT NULL,
      outcome TEXT NOT NULL,
      requests INTEGER NOT NULL,
      attempts INTEGER NOT NULL,
      input_tokens INTEGER NOT NULL,
      output_tokens INTEGER NOT NULL,
      reasoning_tokens INTEGER NOT NULL,
      cached_input_tokens INTEGER NOT NULL,
      cost_usd REAL NOT NULL,
      cloud_only_cost_usd REAL NOT NULL,
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
      input_tokens INTEGER NOT NULL,
      output_tokens INTEGER NOT NULL,
      reasoning_tokens INTEGER NOT NULL,
      cached_input_tokens INTEGER NOT NULL,
      cost_usd REAL NOT NULL,
      cloud_only_cost_usd REAL NOT NULL,
      PRIMARY KEY (hour, model, tier, outcome, reason, answered)
    ) STRICT, WITHOUT ROWID;

    INSERT INTO ledger_hour_requests
      SELECT ${hour('started_at')}, resolved_task, COALESCE(caller_tag, ''), outcome, COUNT(*),
        SUM(attempt_count), ${summed}
      FROM requests GROUP BY 1, 2, 3, 4;

    INSERT INTO ledger_hour_attempts
      SELECT ${hour('r.started_at')}, a.model, a.tier, a.outcome, COALESCE(a.reason, ''), a.answered, COUNT(*),
        SUM(a.input_tokens), SUM(a.output_tokens), SUM(a.reasoning_tokens), SUM(a.cached_input_tokens),
        SUM(a.cost_usd), SUM(a.cloud_only_cost_usd)
      FROM attempts a JOIN requests r ON r.request_id = a.request_id GROUP BY 1, 2, 3, 4, 5, 6;

    CREATE TRIGGER ledger_hour_requests_added AFTER INSERT ON requests BEGIN
      INSERT INTO ledger_hour_requests (hour, resolved_task, caller_tag, outcome, requests, attempts, ${sums})
      VALUES (${hour('NEW.started_at')}, NEW.resolved_task, COALESCE(NEW.caller_tag, ''), NEW.outcome, 1,
        NEW.attempt_count, NEW.input_tokens, NEW.output_tokens, NEW.reasoning_tokens, NEW.cached_input_tokens,
        NEW.cost_usd, NEW.cloud_only_cost_usd)
      ON CONFLICT DO UPDATE SET
        requests = ledger_hour_requests.requests + 1,
        attempts = ledger_hour_requests.attempts + excluded.attempts, ${added('ledger_hour_requests')};
    END;

    CREATE TRIGGER ledger_hour_attempts_added AFTER INSERT ON attempts BEGIN
      INSERT INTO ledger_hour_attempts (hour, model, tier, outcome, reason, answered, attempts, ${sums})
      SELECT ${hour('r.started_at')}, NEW.model, NEW.tier, NEW.outcome, COALESCE(NEW.reason, ''), NEW.answered, 1,
        NEW.input_tokens, NEW.output_tokens, NEW.reasoning_tokens, NEW.cached_input_tokens, NEW.cost_usd,
        NEW.cloud_only_cost_usd
      FROM requests r WHERE r.request_id = NEW.request_id
      ON CONFLICT DO UPDATE SET
        attempts = ledger_hour_attempts.attempts + 1, ${added('ledger_hour_attempts')};
    END;

    -- Before the request goes (its attempts go with it by cascade), so its attempts can still be summed.
    CREATE TRIGGER ledger_hour_rollups_removed BEFORE DELETE ON requests BEGIN
      UPDATE ledger_hour_requests SET
        requests = requests - 1,
        attempts = attempts - OLD.attempt_count,
        input_tokens = input_tokens - OLD.input_tokens,
        output_tokens = output_tokens - OLD.output_tokens,
        reasoning_tokens = reasoning_tokens - OLD.reasoning_tokens,
        cached_input_tokens = cached_input_tokens - OLD.cached_input_tokens,
        cost_usd = cost_usd - OLD.cost_usd,
        cloud_only_cost_usd = cloud_only_cost_usd - OLD.cloud_only_cost_usd
      WHERE hour = ${hour('OLD.started_at')} AND resolved_task = OLD.resolved_task
        AND caller_tag = COALESCE(OLD.caller_tag, '') AND outcome = OLD.outcome;
      UPDATE ledger_hour_attempts SET attempts = ledger_hour_attempts.attempts - gone.attempts,
        ${subtracted('ledger_hour_attempts', 'gone')}
      FROM (
        SELECT model, tier, outcome, COALESCE(reason, '') AS reason, answered, COUNT(*) AS attempts, ${summed}
        FROM attempts WHERE request_id = OLD.request_id GROUP BY 1, 2, 3, 4, 5
      ) AS gone
      WHERE ledger_hour_attempts.hour = ${hour('OLD.started_at')} AND ledger_hour_attempts.model = gone.model
        AND ledger_hour_attempts.tier = gone.tier AND ledger_hour_attempts.outcome = gone.outcome
        AND ledger_hour_attempts.reason = gone.reason AND ledger_hour_attempts.answered = gone.answered;
    END;
  `,
};
