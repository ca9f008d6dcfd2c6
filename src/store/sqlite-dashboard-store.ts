import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { AttemptReasons, DashboardStore, RequestFilter } from '../contracts/dashboard-store.ts';
import type { LedgerWindow } from '../contracts/ledger-store.ts';
import type { Synchronous } from '../contracts/synchronous.ts';
import { splitWindow } from './sqlite-ledger-rollups.ts';
import { toRequest } from './sqlite-ledger-store.ts';

type Row = Record<string, SQLInputValue>;

/** The DashboardStore on a migrated node:sqlite database: the ledger's index and its rollups (monthly, daily, hourly). */
export function createSqliteDashboardStore(db: DatabaseSync): Synchronous<DashboardStore> {
  const perMinute = db.prepare(`
    SELECT started_at - started_at % 60000 AS minute, COUNT(*) AS requests,
      SUM(outcome = 'error') AS errors
    FROM requests WHERE started_at >= ? AND started_at < ? GROUP BY 1 ORDER BY 1`);
  // Escalations: answers rejected (and not returned); failovers: provider failures other than a caller's abort.
  const reasonsFrom = (scale: 'hour' | 'day' | 'month') =>
    db.prepare(`
    SELECT outcome, reason, SUM(attempts) AS n FROM ledger_${scale}_attempts
    WHERE ${scale} >= ? AND ${scale} < ? AND ((outcome = 'inadequate' AND answered = 0) OR (outcome = 'error' AND reason != 'aborted'))
    GROUP BY 1, 2`);
  const reasonsFromHours = reasonsFrom('hour');
  const reasonsFromDays = reasonsFrom('day');
  const reasonsFromMonths = reasonsFrom('month');
  const reasonsFromRows = db.prepare(`
    SELECT a.outcome, COALESCE(a.reason, '') AS reason, COUNT(*) AS n
    FROM requests r JOIN attempts a ON a.request_id = r.request_id
    WHERE r.started_at >= ? AND r.started_at < ?
      AND ((a.outcome = 'inadequate' AND a.answered = 0) OR (a.outcome = 'error' AND COALESCE(a.reason, '') != 'aborted'))
    GROUP BY 1, 2`);
  const pending = db.prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE state = 'pending'`);
  const failed = db.prepare(
    `SELECT COUNT(*) AS n FROM deliveries WHERE state = 'failed' AND created_at >= ?`,
  );
  const listings = new Map<string, ReturnType<DatabaseSync['prepare']>>();

  return {
    listRequests(filter: RequestFilter) {
      const where = ['started_at >= ?', 'started_at < ?'];
      const values: SQLInputValue[] = [
        Math.round(filter.sinceMs),
        filter.untilMs === undefined ? Number.MAX_SAFE_INTEGER : Math.round(filter.untilMs),
      ];
      const narrow = (column: string, value: SQLInputValue | undefined) => {
        if (value === undefined) return;
        where.push(`${column} = ?`);
        values.push(value);
      };
      narrow('resolved_task', filter.task);
      narrow('tier', filter.tier);
      narrow('model', filter.model);
      narrow('outcome', filter.outcome);
      narrow('caller_tag', filter.caller);
      if (filter.before !== undefined) {
        where.push('started_at < ?');
        values.push(Math.round(filter.before));
      }
      // The newest first along the started_at index; each shape of filter is prepared once.
      const sql = `SELECT * FROM requests INDEXED BY requests_by_started_at WHERE ${where.join(' AND ')}
        ORDER BY started_at DESC LIMIT ?`;
      let statement = listings.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        listings.set(sql, statement);
      }
      return statement
        .all(...values, Math.max(1, Math.min(1000, Math.round(filter.limit))))
        .map((row) => toRequest(row as Row));
    },

    requestsPerMinute(window: LedgerWindow) {
      const until = window.untilMs === undefined ? Number.MAX_SAFE_INTEGER : Math.round(window.untilMs);
      return perMinute.all(Math.round(window.sinceMs), until).map((row) => ({
        minute: Number(row.minute),
        requests: Number(row.requests),
        errors: Number(row.errors),
      }));
    },

    attemptReasons(window: LedgerWindow) {
      const result: AttemptReasons = { escalations: {}, failovers: {} };
      const count = (rows: unknown[]) => {
        for (const row of rows as Row[]) {
          const into = row.outcome === 'inadequate' ? result.escalations : result.failovers;
          const reason = String(row.reason) || 'unknown';
          into[reason] = (into[reason] ?? 0) + Number(row.n);
        }
      };
      const { months, days, hours, edges } = splitWindow(window);
      db.exec('BEGIN');
      try {
        if (months) count(reasonsFromMonths.all(...months));
        for (const range of days) count(reasonsFromDays.all(...range));
        for (const range of hours) count(reasonsFromHours.all(...range));
        for (const edge of edges) count(reasonsFromRows.all(...edge));
      } finally {
        db.exec('COMMIT');
      }
      for (const into of [result.escalations, result.failovers])
        for (const [reason, n] of Object.entries(into)) if (n <= 0) delete into[reason];
      return result;
    },

    deliveryCounts(failedSinceMs: number) {
      return {
        pending: Number(pending.get()?.n ?? 0),
        failed: Number(failed.get(Math.round(failedSinceMs))?.n ?? 0),
      };
    },
  };
}
