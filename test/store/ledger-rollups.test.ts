import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { splitWindow, withLedgerRollups } from '../../src/store/sqlite-ledger-rollups.ts';
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

function fill(db: DatabaseSync, count: number, seed = 7, spanDays = 5) {
  const next = random(seed);
  const store = createSqliteLedgerStore(db);
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)];
  for (let i = 0; i < count; i++) {
    const startedAt = base + Math.floor(next() * spanDays * 24 * hour);
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

test('over months: usage from the monthly, daily and hourly rollups equals a scan of the rows, and after pruning', () => {
  const db = openSqlite(':memory:');
  fill(db, 4000, 5, 100);
  const raw = createSqliteLedgerStore(db);
  const rolled = withLedgerRollups(db, raw);
  const february = Date.UTC(2025, 1, 1);
  const april = Date.UTC(2025, 3, 1);
  const spans = [
    { sinceMs: base + 3 * hour + 5 },
    { sinceMs: february, untilMs: april },
    { sinceMs: base + 20 * 24 * hour + 7 * hour + 3, untilMs: Date.UTC(2025, 2, 17, 5, 30) },
    { sinceMs: february - 1, untilMs: Date.UTC(2025, 2, 1) + 1 },
  ];
  // The windows above do reach the monthly tables.
  assert.deepEqual(splitWindow(spans[1]).months, [february, april]);
  assert.deepEqual(splitWindow(spans[2]).months, [february, Date.UTC(2025, 2, 1)]);
  const compare = (label: string) => {
    for (const window of spans)
      for (const by of groupings)
        assertSame(
          rolled.aggregate(window, by) as never,
          raw.aggregate(window, by) as never,
          `${label} ${by} ${JSON.stringify(window)}`,
        );
  };
  compare('filled');
  db.exec(`DELETE FROM requests WHERE started_at < ${february + 10 * 24 * hour}`);
  compare('pruned');
  const left = db
    .prepare('SELECT COALESCE(SUM(requests), 0) AS n FROM ledger_month_requests WHERE month < ?')
    .get(february);
  assert.equal(Number(left?.n), 0);
  db.close();
});

test('a window splits into whole months, days and hours from the rollups and partial hours from the rows', () => {
  const at = (day: number, hours = 0, minutes = 0) => Date.UTC(2025, 0, day, hours, minutes);
  assert.deepEqual(splitWindow({ sinceMs: at(1, 0, 10), untilMs: at(1, 0, 50) }), {
    days: [],
    hours: [],
    edges: [[at(1, 0, 10), at(1, 0, 50)]],
  });
  assert.deepEqual(splitWindow({ sinceMs: at(30, 22, 30), untilMs: Date.UTC(2025, 2, 2, 1, 15) }), {
    months: [Date.UTC(2025, 1, 1), Date.UTC(2025, 2, 1)],
    days: [
      [at(31), Date.UTC(2025, 1, 1)],
      [Date.UTC(2025, 2, 1), Date.UTC(2025, 2, 2)],
    ],
    hours: [
      [at(30, 23), at(31)],
      [Date.UTC(2025, 2, 2), Date.UTC(2025, 2, 2, 1)],
    ],
    edges: [
      [at(30, 22, 30), at(30, 23)],
      [Date.UTC(2025, 2, 2, 1), Date.UTC(2025, 2, 2, 1, 15)],
    ],
  });
  // Open-ended: the current month is whole (nothing is recorded after now).
  const open = splitWindow({ sinceMs: at(10, 5, 30) });
  assert.deepEqual(open.months, [Date.UTC(2025, 1, 1), Number.MAX_SAFE_INTEGER]);
  assert.deepEqual(open.days, [[at(11), Date.UTC(2025, 1, 1)]]);
});

test('the migration sums in the rows written before it', () => {
  // Every step before the rollups' own (0010), then rows, then the rollups and what follows them.
  const rollups = migrations.findIndex((migration) => migration.name === '0010-ledger-rollups');
  // The rows are written by today's store into a file, then copied into the older schema's columns.
  const folder = mkdtempSync(join(tmpdir(), 'pyramid-rollups-'));
  const written = openSqlite(join(folder, 'written.db'));
  fill(written, 500, 11, 40);
  written.close();
  const db = openSqlite(':memory:', { migrations: migrations.slice(0, rollups) });
  db.exec(`ATTACH DATABASE '${join(folder, 'written.db')}' AS written`);
  for (const table of ['requests', 'attempts']) {
    const columns = db
      .prepare(`SELECT name FROM pragma_table_info('${table}')`)
      .all()
      .map((row) => String(row.name))
      .join(', ');
    db.exec(`INSERT INTO main.${table} (${columns}) SELECT ${columns} FROM written.${table}`);
  }
  db.exec('DETACH DATABASE written');
  rmSync(folder, { recursive: true, force: true });
  for (const migration of migrations.slice(rollups)) db.exec(migration.sql);
  const raw = createSqliteLedgerStore(db);
  const rolled = withLedgerRollups(db, raw);
  for (const by of groupings)
    assertSame(
      rolled.aggregate({ sinceMs: base + 5 * hour + 1 }, by) as never,
      raw.aggregate({ sinceMs: base + 5 * hour + 1 }, by) as never,
      by,
    );
  // Months, days and hours were summed in too.
  for (const by of groupings)
    assertSame(
      rolled.aggregate({ sinceMs: base, untilMs: Date.UTC(2025, 1, 1) }, by) as never,
      raw.aggregate({ sinceMs: base, untilMs: Date.UTC(2025, 1, 1) }, by) as never,
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
