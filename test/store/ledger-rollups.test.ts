import assert from 'node:assert/strict';
import type { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import type {
  LedgerAttemptRow,
  LedgerGroupBy,
  LedgerRequestRow,
  LedgerSums,
} from '../../src/contracts/ledger-store.ts';
import { migrations } from '../../src/store/migrations.ts';
import { openSqlite } from '../../src/store/open-sqlite.ts';
import { createSqliteDashboardStore } from '../../src/store/sqlite-dashboard-store.ts';
import { withLedgerRollups } from '../../src/store/sqlite-ledger-rollups.ts';
import { createSqliteLedgerStore } from '../../src/store/sqlite-ledger-store.ts';

const hour = 3_600_000;
const base = Date.UTC(2025, 0, 1);
const groupings: LedgerGroupBy[] = ['model', 'tier', 'task', 'agent', 'day'];

// A deterministic generator, so a failure can be replayed.
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function fill(db: DatabaseSync, count: number, seed = 7) {
  const next = random(seed);
  const store = createSqliteLedgerStore(db);
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)];
  for (let i = 0; i < count; i++) {
    const startedAt = base + Math.floor(next() * 5 * 24 * hour);
    const attempts: LedgerAttemptRow[] = [];
    const tries = 1 + Math.floor(next() * 3);
    for (let seq = 0; seq < tries; seq++) {
      const last = seq === tries - 1;
      const failed = next() < 0.1;
      attempts.push({
        model: pick(['local', 'cheap', 'top']),
        provider: 'p',
        tier: seq,
        outcome: last ? (failed ? 'error' : 'ok') : pick(['error', 'inadequate'] as const),
        ...(last && !failed ? {} : { reason: pick(['unreachable', 'empty_answer', 'aborted', 'timeout']) }),
        startedAt,
        latencyMs: 10,
        usage: { input: 10 * seq + 1, output: 3, reasoning: seq, cachedInput: 0 },
        costUsd: seq * 0.001 + next() / 1000,
        answered: last && !failed,
        cloudOnlyCostUsd: 0.002 + next() / 1000,
      });
    }
    const answered = attempts.find((attempt) => attempt.answered);
    const request: LedgerRequestRow = {
      requestId: `r${seed}-${i}`,
      task: 't',
      resolvedTask: pick(['default', 'classify', 'research']),
      ...(next() < 0.7 ? { callerTag: pick(['ops', 'bot']) } : {}),
      startedAt,
      finishedAt: startedAt + 10,
      outcome: answered ? 'ok' : 'error',
      ...(answered ? { model: answered.model, tier: answered.tier } : { errorCode: 'all_candidates_failed' }),
      usage: { input: 1, output: 2, reasoning: 0, cachedInput: 0 },
      costUsd: attempts.reduce((sum, attempt) => sum + attempt.costUsd, 0),
      cloudOnlyCostUsd: attempts.reduce((sum, attempt) => sum + attempt.cloudOnlyCostUsd, 0),
    };
    const written = store.insert(request, attempts);
    store.flush();
    void written;
  }
  assert.equal(Number(db.prepare('SELECT COUNT(*) AS n FROM requests').get()?.n), count);
}

const sorted = (groups: LedgerSums[]) =>
  [...groups].sort((a, b) => String(a.key).localeCompare(String(b.key)));

function assertSame(
  actual: { groups: LedgerSums[]; totals: LedgerSums },
  expected: typeof actual,
  what: string,
) {
  const close = (a: LedgerSums, b: LedgerSums) => {
    assert.equal(a.key, b.key, what);
    for (const field of ['requests', 'attempts', 'input', 'output', 'reasoning', 'cachedInput'] as const)
      assert.equal(a[field], b[field], `${what}: ${a.key} ${field}`);
    for (const field of ['costUsd', 'cloudOnlyCostUsd'] as const)
      assert.ok(
        Math.abs(a[field] - b[field]) < 1e-9,
        `${what}: ${a.key} ${field} ${a[field]} vs ${b[field]}`,
      );
  };
  assert.equal(actual.groups.length, expected.groups.length, `${what}: groups`);
  for (const [i, group] of sorted(actual.groups).entries()) close(group, sorted(expected.groups)[i]);
  close(actual.totals, expected.totals);
}

const windows = [
  { sinceMs: 0 },
  { sinceMs: base + 7 * hour + 1234 },
  { sinceMs: base + 30 * 60_000, untilMs: base + 50 * 60_000 },
  { sinceMs: base + 2 * hour + 5, untilMs: base + 3 * 24 * hour - 17 },
  { sinceMs: base + 24 * hour, untilMs: base + 48 * hour },
  { sinceMs: base + 10 * 24 * hour },
  // Whole days from the daily rollups, with hours and rows around them.
  { sinceMs: base + 5 * hour + 77, untilMs: base + 4 * 24 * hour + 3 * hour + 9 },
  { sinceMs: base + 24 * hour, untilMs: base + 3 * 24 * hour },
  { sinceMs: base + 23 * hour, untilMs: base + 49 * hour + 1 },
];

test('usage from the daily and hourly rollups equals a scan of the rows, for every grouping and window, and after pruning', () => {
  const db = openSqlite(':memory:');
  fill(db, 3000);
  const raw = createSqliteLedgerStore(db);
  const rolled = withLedgerRollups(db, raw);
  const compare = (label: string) => {
    for (const window of windows)
      for (const by of groupings)
        assertSame(
          rolled.aggregate(window, by) as never,
          raw.aggregate(window, by) as never,
          `${label} ${by} ${JSON.stringify(window)}`,
        );
  };
  compare('filled');
  db.exec(`DELETE FROM requests WHERE started_at < ${base + 36 * hour}`);
  compare('pruned');
  // Pruning moves the daily rollups too (through the hourly ones): nothing of the pruned hours is left.
  const left = db
    .prepare(`SELECT COALESCE(SUM(requests), 0) AS n FROM ledger_day_requests WHERE day < ?`)
    .get(base + 24 * hour);
  assert.equal(Number(left?.n), 0);
  db.close();
});

test('the migration sums in the rows written before it', () => {
  // Every step before the rollups' own (0010), then rows, then the rollups and what follows them.
  const rollups = migrations.findIndex((migration) => migration.name === '0010-ledger-rollups');
  const db = openSqlite(':memory:', { migrations: migrations.slice(0, rollups) });
  fill(db, 500, 11);
  for (const migration of migrations.slice(rollups)) db.exec(migration.sql);
  const raw = createSqliteLedgerStore(db);
  const rolled = withLedgerRollups(db, raw);
  for (const by of groupings)
    assertSame(
      rolled.aggregate({ sinceMs: base + 5 * hour + 1 }, by) as never,
      raw.aggregate({ sinceMs: base + 5 * hour + 1 }, by) as never,
      by,
    );
  db.close();
});

test('escalations and failovers by reason: rejected answers, and provider failures other than aborts', () => {
  const db = openSqlite(':memory:');
  fill(db, 1000, 3);
  const dashboard = createSqliteDashboardStore(db);
  const window = { sinceMs: base + hour + 99, untilMs: base + 70 * hour + 5 };
  const expected = { escalations: {} as Record<string, number>, failovers: {} as Record<string, number> };
  for (const row of db
    .prepare(
      `SELECT a.outcome, a.reason, a.answered FROM attempts a JOIN requests r USING (request_id)
       WHERE r.started_at >= ? AND r.started_at < ?`,
    )
    .all(window.sinceMs, window.untilMs)) {
    const reason = String(row.reason ?? 'unknown');
    if (row.outcome === 'inadequate' && row.answered === 0)
      expected.escalations[reason] = (expected.escalations[reason] ?? 0) + 1;
    if (row.outcome === 'error' && reason !== 'aborted')
      expected.failovers[reason] = (expected.failovers[reason] ?? 0) + 1;
  }
  assert.deepEqual(dashboard.attemptReasons(window), expected);
  assert.ok(Object.keys(expected.failovers).length > 0 && !('aborted' in expected.failovers));
  db.close();
});
