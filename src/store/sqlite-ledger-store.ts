import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type {
  LedgerAttemptRow,
  LedgerGroupBy,
  LedgerRequestRow,
  LedgerStore,
  LedgerSums,
  LedgerWindow,
} from '../contracts/ledger-store.ts';
import type { Synchronous } from '../contracts/synchronous.ts';
import { type AttemptOutcome, isModelCall } from '../contracts/trace.ts';
import { transaction } from './transaction.ts';

type Row = Record<string, SQLInputValue>;

// Keys are chosen from this fixed map, never from caller text.
const requestKeys: Record<'task' | 'agent' | 'day', string> = {
  task: 'resolved_task',
  agent: 'caller_tag',
  day: "strftime('%Y-%m-%d', started_at / 1000, 'unixepoch')",
};
const attemptKeys: Record<'model' | 'tier', string> = {
  model: 'a.model',
  tier: 'CAST(a.tier AS TEXT)',
};

/** The LedgerSums columns summed over requests or attempts (`a.`), as `aggregate` and the rollups' edges read them. */
export const ledgerSums = (prefix: string) => `
  COALESCE(SUM(${prefix}input_tokens), 0) AS input,
  COALESCE(SUM(${prefix}output_tokens), 0) AS output,
  COALESCE(SUM(${prefix}reasoning_tokens), 0) AS reasoning,
  COALESCE(SUM(${prefix}cached_input_tokens), 0) AS cachedInput,
  COALESCE(SUM(${prefix}cost_usd), 0) AS costUsd,
  COALESCE(SUM(${prefix}cloud_only_cost_usd), 0) AS cloudOnlyCostUsd,
  COUNT(${prefix}top_tier_cost_usd) AS baselineCount,
  COALESCE(SUM(CASE WHEN ${prefix}top_tier_cost_usd IS NOT NULL THEN ${prefix}cost_usd END), 0) AS baselineActualCostUsd,
  COALESCE(SUM(${prefix}top_tier_cost_usd), 0) AS topTierCostUsd,
  COALESCE(SUM(${prefix}cheapest_cloud_cost_usd), 0) AS cheapestCloudCostUsd`;
// Climbs are a request's: grouped by attempt, each one counts once, on the attempt that answered it.
export const requestClimbs = `,
  COUNT(climbed_from_tier) AS climbedRequests,
  COALESCE(SUM(CASE WHEN climbed_from_tier IS NOT NULL THEN cost_usd END), 0) AS climbedCostUsd,
  COALESCE(SUM(climb_planned_cost_usd), 0) AS climbedPlannedCostUsd`;
export const attemptClimbs = `,
  COALESCE(SUM(CASE WHEN a.answered = 1 AND r.climbed_from_tier IS NOT NULL THEN 1 END), 0) AS climbedRequests,
  COALESCE(SUM(CASE WHEN a.answered = 1 AND r.climbed_from_tier IS NOT NULL THEN r.cost_usd END), 0) AS climbedCostUsd,
  COALESCE(SUM(CASE WHEN a.answered = 1 THEN r.climb_planned_cost_usd END), 0) AS climbedPlannedCostUsd`;

/** The LedgerStore on a node:sqlite database opened by openSqlite (its schema already migrated). */
export function createSqliteLedgerStore(db: DatabaseSync): Synchronous<LedgerStore> & { flush(): void } {
  const insertRequest = db.prepare(`
    INSERT INTO requests (request_id, task, resolved_task, caller_tag, started_at, finished_at, outcome,
      error_code, model, tier, input_tokens, output_tokens, reasoning_tokens, cached_input_tokens,
      cost_usd, cloud_only_cost_usd, attempt_count, start_tier, top_tier_cost_usd, cheapest_cloud_cost_usd,
      climbed_from_tier, climb_planned_cost_usd, notes)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertAttempt = db.prepare(`
    INSERT INTO attempts (request_id, seq, model, provider, tier, outcome, answered, reason, detail,
      started_at, latency_ms, ttft_ms, max_tokens, input_tokens, output_tokens, reasoning_tokens,
      cached_input_tokens, cost_usd, cloud_only_cost_usd, top_tier_cost_usd, cheapest_cloud_cost_usd)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const sumAll = db.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS total FROM requests WHERE started_at >= ?');
  const sumTag = db.prepare(
    'SELECT COALESCE(SUM(cost_usd), 0) AS total FROM requests WHERE caller_tag = ? AND started_at >= ?',
  );
  const selectRequest = db.prepare('SELECT * FROM requests WHERE request_id = ?');
  const selectAttempts = db.prepare('SELECT * FROM attempts WHERE request_id = ? ORDER BY seq');
  const selectTotals = db.prepare(`
    SELECT NULL AS key, COUNT(*) AS requests, COALESCE(SUM(attempt_count), 0) AS attempts, ${ledgerSums('')}
      ${requestClimbs}
    FROM requests WHERE started_at >= ? AND started_at < ?`);
  const requestGroups = Object.fromEntries(
    Object.entries(requestKeys).map(([by, key]) => [
      by,
      db.prepare(`
        SELECT ${key} AS key, COUNT(*) AS requests, SUM(attempt_count) AS attempts, ${ledgerSums('')}
          ${requestClimbs}
        FROM requests WHERE started_at >= ? AND started_at < ? GROUP BY 1`),
    ]),
  );
  const attemptGroups = Object.fromEntries(
    Object.entries(attemptKeys).map(([by, key]) => [
      by,
      db.prepare(`
        SELECT ${key} AS key, SUM(a.answered) AS requests,
          SUM(a.outcome IN ('ok', 'error', 'inadequate')) AS attempts, ${ledgerSums('a.')}
          ${attemptClimbs}
        FROM requests r JOIN attempts a ON a.request_id = r.request_id
        WHERE r.started_at >= ? AND r.started_at < ? GROUP BY 1`),
    ]),
  );

  const write = (request: LedgerRequestRow, attempts: LedgerAttemptRow[]) => {
    // Routing decisions (waited, not_climbed) are stored beside the calls but are not attempts to count.
    insertRequest.run(...requestValues(request, attempts.filter(isModelCall).length));
    attempts.forEach((attempt, seq) => {
      insertAttempt.run(...attemptValues(request.requestId, seq, attempt));
    });
  };
  // Group commit: the records that arrive in one turn of the event loop share one transaction, so
  // 64 concurrent requests pay for one BEGIN/COMMIT (the WAL write) instead of 64. Each caller still
  // resolves only once its rows are committed. If the shared transaction fails, it is rolled back and
  // every record is written again in a transaction of its own, so one bad record fails alone.
  let pending: {
    request: LedgerRequestRow;
    attempts: LedgerAttemptRow[];
    done: PromiseWithResolvers<void>;
  }[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    try {
      transaction(db, () => {
        for (const entry of batch) write(entry.request, entry.attempts);
      });
    } catch {
      for (const entry of batch) {
        try {
          transaction(db, () => write(entry.request, entry.attempts));
          entry.done.resolve();
        } catch (error) {
          entry.done.reject(error);
        }
      }
      return;
    }
    for (const entry of batch) entry.done.resolve();
  };

  return {
    /** Commits what is waiting for the next turn now: call it before closing the database. */
    flush,

    insert(request, attempts) {
      const done = Promise.withResolvers<void>();
      if (pending.length === 0) setImmediate(flush);
      pending.push({ request, attempts, done });
      return done.promise;
    },

    sumCost(sinceMs, callerTag) {
      const row =
        callerTag === undefined ? sumAll.get(integer(sinceMs)) : sumTag.get(callerTag, integer(sinceMs));
      return Number(row?.total ?? 0);
    },

    get(requestId) {
      const request = selectRequest.get(requestId);
      if (!request) return undefined;
      return {
        request: toRequest(request as Row),
        attempts: selectAttempts.all(requestId).map((row) => toAttempt(row as Row)),
      };
    },

    aggregate(window: LedgerWindow, by: LedgerGroupBy) {
      const statement = by === 'model' || by === 'tier' ? attemptGroups[by] : requestGroups[by];
      // A read transaction: both queries see the same snapshot even while another process writes.
      db.exec('BEGIN');
      try {
        return {
          groups: statement.all(...bounds(window)).map((row) => toSums(row as Row)),
          totals: toSums(selectTotals.get(...bounds(window)) as Row),
        };
      } finally {
        db.exec('COMMIT');
      }
    },
  };
}

const bounds = (window: LedgerWindow): [number, number] => [
  integer(window.sinceMs),
  window.untilMs === undefined ? Number.MAX_SAFE_INTEGER : integer(window.untilMs),
];

// STRICT INTEGER columns reject fractions; a fractional millisecond must not make a record fail.
const integer = (value: number) => Math.round(value);
const optional = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

function requestValues(request: LedgerRequestRow, attemptCount: number): SQLInputValue[] {
  return [
    request.requestId,
    request.task,
    request.resolvedTask,
    optional(request.callerTag),
    integer(request.startedAt),
    integer(request.finishedAt),
    request.outcome,
    optional(request.errorCode),
    optional(request.model),
    request.tier === undefined ? null : integer(request.tier),
    integer(request.usage.input),
    integer(request.usage.output),
    integer(request.usage.reasoning),
    integer(request.usage.cachedInput),
    request.costUsd,
    request.cloudOnlyCostUsd,
    attemptCount,
    request.startTier === undefined ? null : integer(request.startTier),
    optional(request.topTierCostUsd),
    optional(request.cheapestCloudCostUsd),
    request.climbedFromTier === undefined ? null : integer(request.climbedFromTier),
    optional(request.climbPlannedCostUsd),
    notesValue(request.notes),
  ];
}

/** The router's notes as stored: a JSON array, NULL when there are none (most requests). */
export const notesValue = (notes: readonly string[] | undefined): string | null =>
  notes && notes.length > 0 ? JSON.stringify(notes) : null;

function attemptValues(requestId: string, seq: number, attempt: LedgerAttemptRow): SQLInputValue[] {
  return [
    requestId,
    seq,
    attempt.model,
    attempt.provider,
    integer(attempt.tier),
    attempt.outcome,
    attempt.answered ? 1 : 0,
    optional(attempt.reason),
    optional(attempt.detail),
    integer(attempt.startedAt),
    attempt.latencyMs,
    optional(attempt.ttftMs),
    attempt.maxTokens === undefined ? null : integer(attempt.maxTokens),
    integer(attempt.usage.input),
    integer(attempt.usage.output),
    integer(attempt.usage.reasoning),
    integer(attempt.usage.cachedInput),
    attempt.costUsd,
    attempt.cloudOnlyCostUsd,
    optional(attempt.topTierCostUsd),
    optional(attempt.cheapestCloudCostUsd),
  ];
}

export function toRequest(row: Row): LedgerRequestRow {
  return {
    requestId: String(row.request_id),
    task: String(row.task),
    resolvedTask: String(row.resolved_task),
    ...(row.caller_tag !== null && { callerTag: String(row.caller_tag) }),
    startedAt: Number(row.started_at),
    finishedAt: Number(row.finished_at),
    outcome: row.outcome as LedgerRequestRow['outcome'],
    ...(row.error_code !== null && { errorCode: String(row.error_code) }),
    ...(row.model !== null && { model: String(row.model) }),
    ...(row.tier !== null && { tier: Number(row.tier) }),
    usage: toUsage(row),
    costUsd: Number(row.cost_usd),
    cloudOnlyCostUsd: Number(row.cloud_only_cost_usd),
    ...(row.start_tier !== null && { startTier: Number(row.start_tier) }),
    ...(row.top_tier_cost_usd !== null && { topTierCostUsd: Number(row.top_tier_cost_usd) }),
    ...(row.cheapest_cloud_cost_usd !== null && {
      cheapestCloudCostUsd: Number(row.cheapest_cloud_cost_usd),
    }),
    ...(row.climbed_from_tier !== null && { climbedFromTier: Number(row.climbed_from_tier) }),
    ...(row.climb_planned_cost_usd !== null && { climbPlannedCostUsd: Number(row.climb_planned_cost_usd) }),
    ...(typeof row.notes === 'string' && { notes: JSON.parse(row.notes) as string[] }),
  };
}

function toAttempt(row: Row): LedgerAttemptRow {
  return {
    model: String(row.model),
    provider: String(row.provider),
    tier: Number(row.tier),
    outcome: row.outcome as AttemptOutcome,
    ...(row.reason !== null && { reason: String(row.reason) }),
    ...(row.detail !== null && { detail: String(row.detail) }),
    startedAt: Number(row.started_at),
    latencyMs: Number(row.latency_ms),
    ...(row.ttft_ms !== null && { ttftMs: Number(row.ttft_ms) }),
    ...(row.max_tokens !== null && { maxTokens: Number(row.max_tokens) }),
    usage: toUsage(row),
    costUsd: Number(row.cost_usd),
    answered: row.answered === 1,
    cloudOnlyCostUsd: Number(row.cloud_only_cost_usd),
    ...(row.top_tier_cost_usd !== null && { topTierCostUsd: Number(row.top_tier_cost_usd) }),
    ...(row.cheapest_cloud_cost_usd !== null && {
      cheapestCloudCostUsd: Number(row.cheapest_cloud_cost_usd),
    }),
  };
}

const toUsage = (row: Row) => ({
  input: Number(row.input_tokens),
  output: Number(row.output_tokens),
  reasoning: Number(row.reasoning_tokens),
  cachedInput: Number(row.cached_input_tokens),
});

/** A summed row as LedgerSums. */
export const toSums = (row: Row): LedgerSums => ({
  key: row.key === null ? null : String(row.key),
  requests: Number(row.requests),
  attempts: Number(row.attempts),
  input: Number(row.input),
  output: Number(row.output),
  reasoning: Number(row.reasoning),
  cachedInput: Number(row.cachedInput),
  costUsd: Number(row.costUsd),
  cloudOnlyCostUsd: Number(row.cloudOnlyCostUsd),
  baselineCount: Number(row.baselineCount),
  baselineActualCostUsd: Number(row.baselineActualCostUsd),
  topTierCostUsd: Number(row.topTierCostUsd),
  cheapestCloudCostUsd: Number(row.cheapestCloudCostUsd),
  climbedRequests: Number(row.climbedRequests),
  climbedCostUsd: Number(row.climbedCostUsd),
  climbedPlannedCostUsd: Number(row.climbedPlannedCostUsd),
});
