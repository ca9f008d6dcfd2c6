import type { Pool } from 'pg';
import type {
  LedgerAttemptRow,
  LedgerGroupBy,
  LedgerRequestRow,
  LedgerStore,
  LedgerSums,
  LedgerWindow,
} from '../../contracts/ledger-store.ts';
import { type AttemptOutcome, isModelCall } from '../../contracts/trace.ts';

type Row = Record<string, unknown>;

// Keys are chosen from this fixed map, never from caller text.
const requestKeys: Record<'task' | 'agent' | 'day', string> = {
  task: 'resolved_task',
  agent: 'caller_tag',
  day: "to_char(to_timestamp(started_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
};
const attemptKeys: Record<'model' | 'tier', string> = {
  model: 'a.model',
  tier: 'CAST(a.tier AS TEXT)',
};

// Money sums go through NUMERIC: each double is read as its shortest round-trip decimal (its text) and
// the decimals are added exactly, so ten requests of $0.10 sum to $1 as they do in SQLite (whose SUM
// compensates rounding), where a plain double sum gives 0.9999999999999999. (float8::numeric would keep
// only 15 digits.) test/store/postgres-sqlite-parity.test.ts compares the two on 2,000 priced requests.
const money = (column: string) => `COALESCE(SUM((${column})::text::numeric), 0)::float8`;
const sums = (prefix: string) => `
  COALESCE(SUM(${prefix}input_tokens), 0) AS input,
  COALESCE(SUM(${prefix}output_tokens), 0) AS output,
  COALESCE(SUM(${prefix}reasoning_tokens), 0) AS reasoning,
  COALESCE(SUM(${prefix}cached_input_tokens), 0) AS cached_input,
  ${money(`${prefix}cost_usd`)} AS cost_usd,
  ${money(`${prefix}cloud_only_cost_usd`)} AS cloud_only_cost_usd,
  COUNT(${prefix}top_tier_cost_usd) AS baseline_count,
  ${money(`CASE WHEN ${prefix}top_tier_cost_usd IS NOT NULL THEN ${prefix}cost_usd END`)} AS baseline_actual_cost_usd,
  ${money(`${prefix}top_tier_cost_usd`)} AS top_tier_cost_usd,
  ${money(`${prefix}cheapest_cloud_cost_usd`)} AS cheapest_cloud_cost_usd`;
// Climbs are a request's: grouped by attempt, each one counts once, on the attempt that answered it.
const requestClimbs = `,
  COUNT(climbed_from_tier) AS climbed_requests,
  ${money('CASE WHEN climbed_from_tier IS NOT NULL THEN cost_usd END')} AS climbed_cost_usd,
  ${money('climb_planned_cost_usd')} AS climbed_planned_cost_usd`;
const attemptClimbs = `,
  COUNT(*) FILTER (WHERE a.answered AND r.climbed_from_tier IS NOT NULL) AS climbed_requests,
  ${money('CASE WHEN a.answered AND r.climbed_from_tier IS NOT NULL THEN r.cost_usd END')} AS climbed_cost_usd,
  ${money('CASE WHEN a.answered THEN r.climb_planned_cost_usd END')} AS climbed_planned_cost_usd`;

const attemptColumns = `request_id, seq, model, provider, tier, outcome, answered, reason, detail, started_at,
  latency_ms, ttft_ms, max_tokens, input_tokens, output_tokens, reasoning_tokens, cached_input_tokens,
  cost_usd, cloud_only_cost_usd, top_tier_cost_usd, cheapest_cloud_cost_usd`;

// One statement writes the request and its attempts: atomic without a transaction, one round trip.
const insertSql = `
  WITH request AS (
    INSERT INTO requests (request_id, task, resolved_task, caller_tag, started_at, finished_at, outcome,
      error_code, model, tier, input_tokens, output_tokens, reasoning_tokens, cached_input_tokens,
      cost_usd, cloud_only_cost_usd, attempt_count, start_tier, top_tier_cost_usd, cheapest_cloud_cost_usd,
      climbed_from_tier, climb_planned_cost_usd, notes)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $24)
    RETURNING request_id)
  INSERT INTO attempts (${attemptColumns})
  SELECT ${attemptColumns} FROM json_populate_recordset(NULL::attempts, $23::json) JOIN request USING (request_id)`;

/** The LedgerStore on PostgreSQL (schema migrated by openPostgresStores). */
export function createPostgresLedgerStore(pool: Pool): LedgerStore {
  const groupSql = (by: LedgerGroupBy) =>
    by === 'model' || by === 'tier'
      ? `SELECT ${attemptKeys[by]} AS key, COUNT(*) FILTER (WHERE a.answered) AS requests,
           COUNT(*) FILTER (WHERE a.outcome IN ('ok', 'error', 'inadequate')) AS attempts, ${sums('a.')}
           ${attemptClimbs}
         FROM requests r JOIN attempts a ON a.request_id = r.request_id
         WHERE r.started_at >= $1 AND r.started_at < $2 GROUP BY 1`
      : `SELECT ${requestKeys[by]} AS key, COUNT(*) AS requests, SUM(attempt_count) AS attempts, ${sums('')}
           ${requestClimbs}
         FROM requests WHERE started_at >= $1 AND started_at < $2 GROUP BY 1`;
  return {
    async insert(request, attempts) {
      await pool.query(insertSql, [
        request.requestId,
        request.task,
        request.resolvedTask,
        request.callerTag ?? null,
        integer(request.startedAt),
        integer(request.finishedAt),
        request.outcome,
        request.errorCode ?? null,
        request.model ?? null,
        request.tier === undefined ? null : integer(request.tier),
        integer(request.usage.input),
        integer(request.usage.output),
        integer(request.usage.reasoning),
        integer(request.usage.cachedInput),
        request.costUsd,
        request.cloudOnlyCostUsd,
        // Routing decisions (waited, not_climbed) are stored beside the calls but are not attempts to count.
        attempts.filter(isModelCall).length,
        request.startTier === undefined ? null : integer(request.startTier),
        request.topTierCostUsd ?? null,
        request.cheapestCloudCostUsd ?? null,
        request.climbedFromTier === undefined ? null : integer(request.climbedFromTier),
        request.climbPlannedCostUsd ?? null,
        JSON.stringify(attempts.map((attempt, seq) => attemptRow(request.requestId, seq, attempt))),
        request.notes && request.notes.length > 0 ? JSON.stringify(request.notes) : null,
      ]);
    },

    async sumCost(sinceMs, callerTag) {
      const { rows } =
        callerTag === undefined
          ? await pool.query(`SELECT ${money('cost_usd')} AS total FROM requests WHERE started_at >= $1`, [
              integer(sinceMs),
            ])
          : await pool.query(
              `SELECT ${money('cost_usd')} AS total FROM requests WHERE caller_tag = $1 AND started_at >= $2`,
              [callerTag, integer(sinceMs)],
            );
      return Number(rows[0]?.total ?? 0);
    },

    async get(requestId) {
      // One statement, one snapshot: the request and its attempts agree.
      const { rows } = await pool.query(
        `SELECT to_json(r) AS request,
           COALESCE((SELECT json_agg(a ORDER BY a.seq) FROM attempts a WHERE a.request_id = r.request_id), '[]') AS attempts
         FROM requests r WHERE r.request_id = $1`,
        [requestId],
      );
      if (rows.length === 0) return undefined;
      return {
        request: toRequest(rows[0].request as Row),
        attempts: (rows[0].attempts as Row[]).map(toAttempt),
      };
    },

    async aggregate(window: LedgerWindow, by: LedgerGroupBy) {
      // Groups and totals in one statement, so both come from one snapshot while other processes write.
      const { rows } = await pool.query(
        `SELECT FALSE AS total, g.* FROM (${groupSql(by)}) g
         UNION ALL
         SELECT TRUE, NULL, COUNT(*), COALESCE(SUM(attempt_count), 0), ${sums('')} ${requestClimbs}
         FROM requests WHERE started_at >= $1 AND started_at < $2`,
        bounds(window),
      );
      return {
        groups: rows.filter((row) => !row.total).map(toSums),
        totals: toSums(rows.find((row) => row.total) as Row),
      };
    },
  };
}

const bounds = (window: LedgerWindow): [number, number] => [
  integer(window.sinceMs),
  window.untilMs === undefined ? Number.MAX_SAFE_INTEGER : integer(window.untilMs),
];

// BIGINT columns refuse fractions; a fractional millisecond must not make a record fail (as in SQLite).
const integer = (value: number) => Math.round(value);

function attemptRow(requestId: string, seq: number, attempt: LedgerAttemptRow): Row {
  return {
    request_id: requestId,
    seq,
    model: attempt.model,
    provider: attempt.provider,
    tier: integer(attempt.tier),
    outcome: attempt.outcome,
    answered: attempt.answered,
    reason: attempt.reason ?? null,
    detail: attempt.detail ?? null,
    started_at: integer(attempt.startedAt),
    latency_ms: attempt.latencyMs,
    ttft_ms: attempt.ttftMs ?? null,
    max_tokens: attempt.maxTokens === undefined ? null : integer(attempt.maxTokens),
    input_tokens: integer(attempt.usage.input),
    output_tokens: integer(attempt.usage.output),
    reasoning_tokens: integer(attempt.usage.reasoning),
    cached_input_tokens: integer(attempt.usage.cachedInput),
    cost_usd: attempt.costUsd,
    cloud_only_cost_usd: attempt.cloudOnlyCostUsd,
    top_tier_cost_usd: attempt.topTierCostUsd ?? null,
    cheapest_cloud_cost_usd: attempt.cheapestCloudCostUsd ?? null,
  };
}

/** A requests row (read by `SELECT *` or `to_json`) as the ledger's request. */
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
    answered: row.answered === true,
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

const toSums = (row: Row): LedgerSums => ({
  key: row.key === null ? null : String(row.key),
  requests: Number(row.requests),
  attempts: Number(row.attempts ?? 0),
  input: Number(row.input),
  output: Number(row.output),
  reasoning: Number(row.reasoning),
  cachedInput: Number(row.cached_input),
  costUsd: Number(row.cost_usd),
  cloudOnlyCostUsd: Number(row.cloud_only_cost_usd),
  baselineCount: Number(row.baseline_count),
  baselineActualCostUsd: Number(row.baseline_actual_cost_usd),
  topTierCostUsd: Number(row.top_tier_cost_usd),
  cheapestCloudCostUsd: Number(row.cheapest_cloud_cost_usd),
  climbedRequests: Number(row.climbed_requests),
  climbedCostUsd: Number(row.climbed_cost_usd),
  climbedPlannedCostUsd: Number(row.climbed_planned_cost_usd),
});
