import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { LedgerGroupBy, LedgerStore, LedgerSums, LedgerWindow } from '../contracts/ledger-store.ts';
import type { Synchronous } from '../contracts/synchronous.ts';
import { attemptClimbs, ledgerSums, requestClimbs, toSums } from './sqlite-ledger-store.ts';

type Row = Record<string, SQLInputValue>;

const hourMs = 3_600_000;
const dayMs = 86_400_000;
const end = Number.MAX_SAFE_INTEGER;

// What the rollup tables keep per hour and key, named as LedgerSums names them (migration 0010).
const rollupSums = `
  COALESCE(SUM(input_tokens), 0) AS input,
  COALESCE(SUM(output_tokens), 0) AS output,
  COALESCE(SUM(reasoning_tokens), 0) AS reasoning,
  COALESCE(SUM(cached_input_tokens), 0) AS cachedInput,
  COALESCE(SUM(cost_usd), 0) AS costUsd,
  COALESCE(SUM(cloud_only_cost_usd), 0) AS cloudOnlyCostUsd,
  COALESCE(SUM(baseline_count), 0) AS baselineCount,
  COALESCE(SUM(baseline_actual_cost_usd), 0) AS baselineActualCostUsd,
  COALESCE(SUM(top_tier_cost_usd), 0) AS topTierCostUsd,
  COALESCE(SUM(cheapest_cloud_cost_usd), 0) AS cheapestCloudCostUsd,
  COALESCE(SUM(climbed_requests), 0) AS climbedRequests,
  COALESCE(SUM(climbed_cost_usd), 0) AS climbedCostUsd,
  COALESCE(SUM(climbed_planned_cost_usd), 0) AS climbedPlannedCostUsd`;

// Keys from fixed maps, never from caller text. Raw rows and rollup rows give the same keys.
const rawRequestKeys: Record<string, string> = {
  task: 'resolved_task',
  agent: 'caller_tag',
  day: "strftime('%Y-%m-%d', started_at / 1000, 'unixepoch')",
};
const rollupRequestKeys = (time: string): Record<string, string> => ({
  task: 'resolved_task',
  agent: "NULLIF(caller_tag, '')",
  day: `strftime('%Y-%m-%d', ${time} / 1000, 'unixepoch')`,
});
const attemptKeys: Record<string, string> = { model: 'model', tier: 'CAST(tier AS TEXT)' };

type Range = [number, number];

/** The whole units of `[from, to)` (`ceil` and `floor` round a time to one), and what is left on either side. */
function wholeUnits(
  [from, to]: Range,
  ceil: (time: number) => number,
  floor: (time: number) => number,
): { whole?: Range; rest: Range[] } {
  const first = ceil(from);
  const last = to === end ? end : floor(to);
  if (first >= last) return { rest: from < to ? [[from, to]] : [] };
  const rest: Range[] = [];
  if (from < first) rest.push([from, first]);
  if (last < to) rest.push([last, to]);
  return { whole: [first, last], rest };
}

const floorBy = (unit: number) => (time: number) => Math.floor(time / unit) * unit;
const ceilBy = (unit: number) => (time: number) => Math.ceil(time / unit) * unit;
const floorMonth = (time: number) => {
  const date = new Date(time);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
};
const ceilMonth = (time: number) => {
  const floor = floorMonth(time);
  if (floor === time) return time;
  const date = new Date(time);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
};

/**
 * The pieces of a window: whole UTC months read from the monthly rollups, the whole days around them
 * from the daily ones, the whole hours around those from the hourly ones, and the partial hours at the
 * edges from the rows. An open-ended window (no `untilMs`) takes the current month, day and hour whole.
 */
export function splitWindow(window: LedgerWindow): {
  months?: Range;
  days: Range[];
  hours: Range[];
  edges: Range[];
} {
  const since = Math.round(window.sinceMs);
  const until = window.untilMs === undefined ? end : Math.round(window.untilMs);
  const hours = wholeUnits([since, until], ceilBy(hourMs), floorBy(hourMs));
  if (!hours.whole) return { days: [], hours: [], edges: hours.rest };
  const days = wholeUnits(hours.whole, ceilBy(dayMs), floorBy(dayMs));
  if (!days.whole) return { days: [], hours: [hours.whole], edges: hours.rest };
  const months = wholeUnits(days.whole, ceilMonth, floorMonth);
  if (!months.whole) return { days: [days.whole], hours: days.rest, edges: hours.rest };
  return { months: months.whole, days: months.rest, hours: days.rest, edges: hours.rest };
}

/**
 * `aggregate` over the rollups (migrations 0010 and 0014, kept by triggers): whole months, days and
 * hours from the monthly, daily and hourly rollups and the partial hours at the window's edges from the
 * rows (see splitWindow), so a report over a year reads a few thousand rollup rows and at most two hours
 * of requests, and equals a scan of the rows.
 */
export function withLedgerRollups<T extends Synchronous<LedgerStore>>(db: DatabaseSync, store: T): T {
  const rawRequests = Object.fromEntries(
    Object.entries(rawRequestKeys).map(([by, key]) => [
      by,
      db.prepare(`SELECT ${key} AS key, COUNT(*) AS requests, COALESCE(SUM(attempt_count), 0) AS attempts,
        ${ledgerSums('')} ${requestClimbs}
        FROM requests WHERE started_at >= ? AND started_at < ? GROUP BY 1`),
    ]),
  );
  const rawAttempts = Object.fromEntries(
    Object.entries(attemptKeys).map(([by, key]) => [
      by,
      db.prepare(`SELECT ${key === 'model' ? 'a.model' : 'CAST(a.tier AS TEXT)'} AS key, SUM(a.answered) AS requests,
          SUM(a.outcome IN ('ok', 'error', 'inadequate')) AS attempts, ${ledgerSums('a.')} ${attemptClimbs}
        FROM requests r JOIN attempts a ON a.request_id = r.request_id
        WHERE r.started_at >= ? AND r.started_at < ? GROUP BY 1`),
    ]),
  );
  const rawTotals =
    db.prepare(`SELECT NULL AS key, COUNT(*) AS requests, COALESCE(SUM(attempt_count), 0) AS attempts,
    ${ledgerSums('')} ${requestClimbs} FROM requests WHERE started_at >= ? AND started_at < ?`);
  // The same queries on the hourly (0010), daily and monthly (0014) tables.
  const rollups = (scale: 'hour' | 'day' | 'month') => ({
    requests: Object.fromEntries(
      Object.entries(rollupRequestKeys(scale)).map(([by, key]) => [
        by,
        db.prepare(`SELECT ${key} AS key, SUM(requests) AS requests, SUM(attempts) AS attempts, ${rollupSums}
          FROM ledger_${scale}_requests WHERE ${scale} >= ? AND ${scale} < ? GROUP BY 1`),
      ]),
    ),
    attempts: Object.fromEntries(
      Object.entries(attemptKeys).map(([by, key]) => [
        by,
        db.prepare(`SELECT ${key} AS key, SUM(CASE WHEN answered = 1 THEN attempts ELSE 0 END) AS requests,
            SUM(CASE WHEN outcome IN ('ok', 'error', 'inadequate') THEN attempts ELSE 0 END) AS attempts, ${rollupSums}
          FROM ledger_${scale}_attempts WHERE ${scale} >= ? AND ${scale} < ? GROUP BY 1`),
      ]),
    ),
    totals: db.prepare(`SELECT NULL AS key, COALESCE(SUM(requests), 0) AS requests,
      COALESCE(SUM(attempts), 0) AS attempts, ${rollupSums} FROM ledger_${scale}_requests WHERE ${scale} >= ? AND ${scale} < ?`),
  });
  // By day, whole days come from the one row a day of ledger_day_totals.
  const byDay =
    db.prepare(`SELECT strftime('%Y-%m-%d', day / 1000, 'unixepoch') AS key, SUM(requests) AS requests,
    SUM(attempts) AS attempts, ${rollupSums} FROM ledger_day_totals WHERE day >= ? AND day < ? GROUP BY 1`);
  const hourly = rollups('hour');
  const daily = rollups('day');
  const monthly = rollups('month');

  const aggregate = (window: LedgerWindow, by: LedgerGroupBy) => {
    const perAttempt = by === 'model' || by === 'tier';
    const { months, days, hours, edges } = splitWindow(window);
    const groups = new Map<string | null, LedgerSums>();
    let totals = emptySums(null);
    const addGroups = (rows: unknown[]) => {
      for (const row of rows) {
        const sums = toSums(row as Row);
        groups.set(sums.key, add(groups.get(sums.key) ?? emptySums(sums.key), sums));
      }
    };
    const kind = perAttempt ? 'attempts' : 'requests';
    // One read transaction: the rollups and the edge rows come from the same snapshot.
    db.exec('BEGIN');
    try {
      // A month's rows cannot say which day they were: grouped by day, whole months are read as days.
      if (by === 'day')
        for (const range of [...(months ? [months] : []), ...days]) addGroups(byDay.all(...range));
      const pieces: [typeof hourly, Range][] = [
        ...(months && by !== 'day' ? [[monthly, months] as [typeof hourly, Range]] : []),
        ...(by === 'day' ? [] : days.map((range): [typeof hourly, Range] => [daily, range])),
        ...hours.map((range): [typeof hourly, Range] => [hourly, range]),
      ];
      for (const [scale, range] of pieces) {
        addGroups(scale[kind][by].all(...range));
        // Grouped by request (task, agent, day) the groups add up to the totals: no second read.
        if (perAttempt) totals = add(totals, toSums(scale.totals.get(...range) as Row));
      }
      for (const edge of edges) {
        addGroups((perAttempt ? rawAttempts : rawRequests)[by].all(...edge));
        if (perAttempt) totals = add(totals, toSums(rawTotals.get(...edge) as Row));
      }
    } finally {
      db.exec('COMMIT');
    }
    if (!perAttempt) for (const group of groups.values()) totals = add(totals, { ...group, key: null });
    // Rollup rows emptied by pruning stay behind with zeros; a group with nothing in it is no group.
    return {
      groups: [...groups.values()].filter((group) => group.attempts > 0 || group.requests > 0),
      totals,
    };
  };
  return { ...store, aggregate };
}

const emptySums = (key: string | null): LedgerSums => ({
  key,
  requests: 0,
  attempts: 0,
  input: 0,
  output: 0,
  reasoning: 0,
  cachedInput: 0,
  costUsd: 0,
  cloudOnlyCostUsd: 0,
  baselineCount: 0,
  baselineActualCostUsd: 0,
  topTierCostUsd: 0,
  cheapestCloudCostUsd: 0,
  climbedRequests: 0,
  climbedCostUsd: 0,
  climbedPlannedCostUsd: 0,
});

const add = (a: LedgerSums, b: LedgerSums): LedgerSums => {
  const sum = { ...a };
  for (const field of Object.keys(a) as (keyof LedgerSums)[]) {
    if (field !== 'key') sum[field] = a[field] + b[field];
  }
  return sum;
};
