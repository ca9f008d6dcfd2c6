import type { Pool } from 'pg';
import type { AttemptReasons, DashboardStore, RequestFilter } from '../../contracts/dashboard-store.ts';
import type { LedgerWindow } from '../../contracts/ledger-store.ts';
import { toRequest } from './postgres-ledger-store.ts';

type Row = Record<string, unknown>;

const bounds = (window: LedgerWindow): [number, number] => [
  Math.round(window.sinceMs),
  window.untilMs === undefined ? Number.MAX_SAFE_INTEGER : Math.round(window.untilMs),
];

/**
 * The DashboardStore on PostgreSQL. SQLite reads hourly rollups; here the queries read the requests,
 * attempts and deliveries rows along their started_at / created_at indexes, with the same results.
 */
export function createPostgresDashboardStore(pool: Pool): DashboardStore {
  return {
    async listRequests(filter: RequestFilter) {
      const values: unknown[] = bounds(filter);
      const where = ['started_at >= $1', 'started_at < $2'];
      const narrow = (column: string, value: unknown) => {
        if (value === undefined) return;
        values.push(value);
        where.push(`${column} = $${values.length}`);
      };
      // Columns come from this fixed list, never from caller text.
      narrow('resolved_task', filter.task);
      narrow('tier', filter.tier === undefined ? undefined : Math.round(filter.tier));
      narrow('model', filter.model);
      narrow('outcome', filter.outcome);
      narrow('caller_tag', filter.caller);
      if (filter.before !== undefined) {
        values.push(Math.round(filter.before));
        where.push(`started_at < $${values.length}`);
      }
      values.push(Math.max(1, Math.min(1000, Math.round(filter.limit))));
      const { rows } = await pool.query(
        `SELECT * FROM requests WHERE ${where.join(' AND ')} ORDER BY started_at DESC LIMIT $${values.length}`,
        values,
      );
      return rows.map((row) => toRequest(row as Row));
    },

    async requestsPerMinute(window: LedgerWindow) {
      const { rows } = await pool.query(
        `SELECT started_at - started_at % 60000 AS minute, COUNT(*) AS requests,
           COUNT(*) FILTER (WHERE outcome = 'error') AS errors
         FROM requests WHERE started_at >= $1 AND started_at < $2 GROUP BY 1 ORDER BY 1`,
        bounds(window),
      );
      return rows.map((row) => ({
        minute: Number(row.minute),
        requests: Number(row.requests),
        errors: Number(row.errors),
      }));
    },

    async attemptReasons(window: LedgerWindow) {
      // Escalations: answers rejected (and not returned); failovers: provider failures other than a caller's abort.
      const { rows } = await pool.query(
        `SELECT a.outcome, COALESCE(a.reason, '') AS reason, COUNT(*) AS n
         FROM requests r JOIN attempts a ON a.request_id = r.request_id
         WHERE r.started_at >= $1 AND r.started_at < $2
           AND ((a.outcome = 'inadequate' AND NOT a.answered)
             OR (a.outcome = 'error' AND COALESCE(a.reason, '') <> 'aborted'))
         GROUP BY 1, 2`,
        bounds(window),
      );
      const result: AttemptReasons = { escalations: {}, failovers: {} };
      for (const row of rows as Row[]) {
        const into = row.outcome === 'inadequate' ? result.escalations : result.failovers;
        const reason = String(row.reason) || 'unknown';
        into[reason] = (into[reason] ?? 0) + Number(row.n);
      }
      return result;
    },

    async deliveryCounts(failedSinceMs: number) {
      const { rows } = await pool.query(
        `SELECT COUNT(*) FILTER (WHERE state = 'pending') AS pending,
           COUNT(*) FILTER (WHERE state = 'failed' AND created_at >= $1) AS failed
         FROM deliveries WHERE state IN ('pending', 'failed')`,
        [Math.round(failedSinceMs)],
      );
      return { pending: Number(rows[0]?.pending ?? 0), failed: Number(rows[0]?.failed ?? 0) };
    },
  };
}
