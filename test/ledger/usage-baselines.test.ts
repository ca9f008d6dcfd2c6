import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import type { RequestRecord } from '../../src/contracts/request-ledger.ts';
import type { Attempt } from '../../src/contracts/trace.ts';
import { createLedger } from '../../src/ledger/create-ledger.ts';
import type { Ledger, UsageBaseline, UsageRow } from '../../src/ledger/ledger.ts';
import { migrations } from '../../src/store/migrations.ts';
import { openInlineStores } from '../../src/store/open-inline-stores.ts';
import { closeSqlite, openSqlite } from '../../src/store/open-sqlite.ts';
import { runMigrations } from '../../src/store/run-migrations.ts';
import { assertUsd } from './approx.ts';
import { attempt, config, day0, request, usage } from './fixture-data.ts';

// Prices per million (fixture-data.ts): local 0/0, cheap 1/2, cheap-b 2/4, mid 3/15, top 15/75.
// b1 answered at tier 0; b2 (research, tier 2) climbed to tier 3 after mid failed; b3 (tier 1) was
// answered by mid with cheap skipped; b4 escalated from tier 0 on an inadequate answer; b5 failed; old1
// was recorded before migration 0008, so it has no baselines. Every figure below is worked out by hand.
function dataSet(): Array<[RequestRecord, Attempt[]]> {
  const entries: Array<[string, Attempt[], Partial<RequestRecord> & { startedAt: number }]> = [
    [
      'b1',
      [attempt('local', 'ok', usage(1000, 500))],
      { startedAt: day0, startTier: 0, resolvedTask: 'classify' },
    ],
    [
      'b2',
      [attempt('mid', 'error'), attempt('top', 'ok', usage(2000, 1000))],
      { startedAt: day0 + 1, startTier: 2, resolvedTask: 'research' },
    ],
    ['b3', [attempt('mid', 'ok', usage(1000, 100))], { startedAt: day0 + 2, startTier: 1 }],
    [
      'b4',
      [attempt('local', 'inadequate', usage(500, 0, 200)), attempt('cheap', 'ok', usage(1000, 500))],
      { startedAt: day0 + 3, startTier: 0, resolvedTask: 'classify' },
    ],
    [
      'b5',
      [attempt('cheap', 'error', usage(100)), attempt('mid', 'error', usage(100))],
      { startedAt: day0 + 4, startTier: 1 },
    ],
  ];
  return entries.map(([id, attempts, extra]) => [request(id, attempts, extra), attempts]);
}

/** A request and its attempt written as the ledger wrote them before migration 0008. */
function insertOldRow(db: DatabaseSync): void {
  db.exec(`
    INSERT INTO requests (request_id, task, resolved_task, caller_tag, started_at, finished_at, outcome,
      error_code, model, tier, input_tokens, output_tokens, reasoning_tokens, cached_input_tokens, cost_usd,
      cloud_only_cost_usd, attempt_count)
    VALUES ('old1', 'legacy', 'legacy', NULL, ${day0 + 5}, ${day0 + 6}, 'ok', NULL, 'cheap', 1, 10000, 0, 0, 0,
      0.01, 0.01, 1);
    INSERT INTO attempts (request_id, seq, model, provider, tier, outcome, answered, reason, detail, started_at,
      latency_ms, ttft_ms, max_tokens, input_tokens, output_tokens, reasoning_tokens, cached_input_tokens,
      cost_usd, cloud_only_cost_usd)
    VALUES ('old1', 0, 'cheap', 'cloud', 1, 'ok', 1, NULL, NULL, ${day0 + 5}, 100, NULL, NULL, 10000, 0, 0, 0,
      0.01, 0.01);`);
}

function assertBaseline(
  actual: UsageBaseline,
  expected: { costUsd: number | null; actualCostUsd: number },
  label: string,
): void {
  assertUsd(actual.actualCostUsd, expected.actualCostUsd, `${label} actual ${actual.actualCostUsd}`);
  if (expected.costUsd === null) {
    assert.deepEqual(
      [actual.costUsd, actual.savingsUsd, actual.savingsPct],
      [null, null, null],
      `${label}: unknown, not zero`,
    );
    return;
  }
  assertUsd(actual.costUsd ?? Number.NaN, expected.costUsd, `${label} baseline ${actual.costUsd}`);
  assertUsd(actual.savingsUsd ?? Number.NaN, expected.costUsd - expected.actualCostUsd, `${label} savings`);
  const pct =
    expected.costUsd > 0 ? ((expected.costUsd - expected.actualCostUsd) / expected.costUsd) * 100 : 0;
  assert.ok(
    Math.abs((actual.savingsPct ?? Number.NaN) - pct) < 1e-9,
    `${label} pct ${actual.savingsPct} != ${pct}`,
  );
}

/** [key, cost, withoutTier0, top, cheapest, actual with baselines, climbed, climbed cost, planned] */
type Expected = [string | null, number, number, number | null, number | null, number, number, number, number];

function assertRow(row: UsageRow, expected: Expected, totalCost: number): void {
  const [key, cost, withoutTier0, top, cheapest, covered, climbed, climbedCost, planned] = expected;
  assert.equal(row.key, key);
  assertUsd(row.costUsd, cost, `${key} cost ${row.costUsd}`);
  assertUsd(row.costShare, cost / totalCost, `${key} cost share ${row.costShare}`);
  assertBaseline(
    row.baselines.withoutTier0,
    { costUsd: withoutTier0, actualCostUsd: cost },
    `${key} without tier 0`,
  );
  assertUsd(
    row.baselines.withoutTier0.costUsd ?? Number.NaN,
    row.cloudOnlyCostUsd,
    'the old figure, renamed',
  );
  assertBaseline(row.baselines.allOnTopTier, { costUsd: top, actualCostUsd: covered }, `${key} top tier`);
  assertBaseline(
    row.baselines.cheapestCloud,
    { costUsd: cheapest, actualCostUsd: covered },
    `${key} cheapest`,
  );
  assert.equal(row.climbed.requests, climbed, `${key} climbed`);
  assertUsd(row.climbed.costUsd, climbedCost, `${key} climbed cost ${row.climbed.costUsd}`);
  assertUsd(row.climbed.plannedCostUsd, planned, `${key} planned ${row.climbed.plannedCostUsd}`);
  assertUsd(row.climbed.extraCostUsd, climbedCost - planned, `${key} extra`);
}

describe('usage baselines and climbs on a ledger with rows from before they were kept', () => {
  let dir: string;
  let db: DatabaseSync;
  let ledger: Ledger;
  const totalCost = 0 + 0.105 + 0.0045 + 0.002 + 0.0004 + 0.01;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pyramid-baselines-'));
    const path = join(dir, 'pyramid.db');
    // A database as the previous release left it: migrations up to 0007, and one request in it.
    const old = new DatabaseSync(path);
    runMigrations(old, migrations.slice(0, 7));
    insertOldRow(old);
    old.close();
    db = openSqlite(path);
    // Through the stores pyramid start uses (the hourly rollups included).
    ledger = createLedger({ store: openInlineStores(db).ledger, config });
    for (const [record, attempts] of dataSet()) await ledger.record(record, attempts);
  });
  after(() => {
    closeSqlite(db);
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores each baseline and the climb with the request and its attempts', async () => {
    const b2 = await ledger.getRequest('b2');
    assert.equal(b2?.startTier, 2);
    assertUsd(b2?.topTierCostUsd, 0.105);
    assertUsd(b2?.cheapestCloudCostUsd, 0.021);
    assert.equal(b2?.climbedFromTier, 2);
    assertUsd(b2?.climbPlannedCostUsd, 0.021);
    assert.deepEqual(
      b2?.attempts.map((a) => [a.model, a.topTierCostUsd, a.cheapestCloudCostUsd]),
      [
        ['mid', 0, 0],
        ['top', b2?.topTierCostUsd, b2?.cheapestCloudCostUsd],
      ],
    );
    const b1 = await ledger.getRequest('b1');
    assert.equal(b1?.climbedFromTier, undefined);
    const old = await ledger.getRequest('old1');
    assert.deepEqual(
      [old?.startTier, old?.topTierCostUsd, old?.cheapestCloudCostUsd, old?.attempts[0].topTierCostUsd],
      [undefined, undefined, undefined, undefined],
      'an old row has no baselines, rather than zeros',
    );
  });

  it('totals: each baseline over the requests that have it, and the old request counted apart', async () => {
    const report = await ledger.usage({ sinceMs: day0, by: 'tier' });
    assert.equal(report.requestsWithoutBaselines, 1);
    assert.equal(report.topTierModel, 'top');
    assertRow(report.totals, [null, totalCost, 0.1239, 0.2329, 0.0266, 0.1119, 2, 0.1095, 0.0222], totalCost);
    assert.equal(report.totals.costShare, 1);
  });

  it('by tier: cost share and baselines of the attempts on each tier, climbs on the tier that answered them', async () => {
    const report = await ledger.usage({ sinceMs: day0, by: 'tier' });
    const expected: Expected[] = [
      ['0', 0, 0.002, 0.0525, 0.002, 0, 0, 0, 0],
      ['1', 0.0121, 0.0121, 0.0526, 0.0021, 0.0021, 0, 0, 0],
      ['2', 0.0048, 0.0048, 0.0228, 0.0015, 0.0048, 1, 0.0045, 0.0012],
      ['3', 0.105, 0.105, 0.105, 0.021, 0.105, 1, 0.105, 0.021],
      [null, 0, 0, 0, 0, 0, 0, 0, 0],
    ];
    assert.equal(report.rows.length, expected.length);
    for (const [index, row] of report.rows.entries()) assertRow(row, expected[index], totalCost);
    const sum = (pick: (row: UsageRow) => number) => report.rows.reduce((total, row) => total + pick(row), 0);
    assertUsd(
      sum((row) => row.costShare),
      1,
    );
    assertUsd(
      sum((row) => row.baselines.allOnTopTier.costUsd ?? 0),
      0.2329,
    );
    assert.equal(
      sum((row) => row.climbed.requests),
      2,
    );
  });

  it('by task: a group of old requests only says it has no baseline (null), never 0% saved', async () => {
    const report = await ledger.usage({ sinceMs: day0, by: 'task' });
    const rows = Object.fromEntries(report.rows.map((row) => [row.key, row]));
    assertRow(rows.classify, ['classify', 0.002, 0.004, 0.105, 0.004, 0.002, 0, 0, 0], totalCost);
    assertRow(rows.research, ['research', 0.105, 0.105, 0.105, 0.021, 0.105, 1, 0.105, 0.021], totalCost);
    assertRow(
      rows.summarize,
      ['summarize', 0.0049, 0.0049, 0.0229, 0.0016, 0.0049, 1, 0.0045, 0.0012],
      totalCost,
    );
    assertRow(rows.legacy, ['legacy', 0.01, 0.01, null, null, 0, 0, 0, 0], totalCost);

    const onlyOld = await ledger.usage({ sinceMs: day0 + 5, by: 'tier' });
    assert.equal(onlyOld.requestsWithoutBaselines, 1);
    assert.equal(onlyOld.totals.baselines.allOnTopTier.costUsd, null);
    assert.equal(onlyOld.totals.baselines.cheapestCloud.savingsPct, null);
    assert.equal(onlyOld.totals.baselines.withoutTier0.costUsd, 0.01, 'kept since the first release');
  });
});
