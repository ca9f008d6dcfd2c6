import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import type { LedgerGroupBy } from '../../src/contracts/ledger-store.ts';
import type { Attempt } from '../../src/contracts/trace.ts';
import { createLedger } from '../../src/ledger/create-ledger.ts';
import type { Ledger, UsageRow } from '../../src/ledger/ledger.ts';
import { openInlineStores } from '../../src/store/open-inline-stores.ts';
import { closeSqlite, openSqlite } from '../../src/store/open-sqlite.ts';
import { assertUsd } from './approx.ts';
import { attempt, config, dataSet, day0, day1, day2, request, usage } from './fixture-data.ts';

/** [key, requests, attempts, costUsd, cloudOnlyCostUsd], worked out by hand from fixture-data.ts prices. */
type Expected = [string | null, number, number, number, number];

function assertRows(rows: UsageRow[], expected: Expected[], totalRequests: number): void {
  assert.deepEqual(
    rows.map((row) => [row.key, row.requests, row.attempts]),
    expected.map(([key, requests, attempts]) => [key, requests, attempts]),
  );
  rows.forEach((row, index) => {
    const [key, requests, , costUsd, cloudOnlyCostUsd] = expected[index];
    assertUsd(row.costUsd, costUsd, `${key} costUsd ${row.costUsd} != ${costUsd}`);
    assertUsd(
      row.cloudOnlyCostUsd,
      cloudOnlyCostUsd,
      `${key} cloudOnly ${row.cloudOnlyCostUsd} != ${cloudOnlyCostUsd}`,
    );
    assertUsd(row.savingsUsd, cloudOnlyCostUsd - costUsd);
    assert.equal(row.share, requests / totalRequests);
  });
}

describe('createLedger on a SQLite file', () => {
  let dir: string;
  let db: DatabaseSync;
  let stores: ReturnType<typeof openInlineStores>;
  let ledger: Ledger;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pyramid-ledger-'));
    db = openSqlite(join(dir, 'state', 'pyramid.db'));
    stores = openInlineStores(db);
    ledger = createLedger({ store: stores.ledger, config });
    for (const [request, attempts] of dataSet()) await ledger.record(request, attempts);
  });
  after(async () => {
    await stores.close();
    closeSqlite(db);
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns a request with its attempts in order, marking the answer and its cloud-only share', async () => {
    const r5 = await ledger.getRequest('r5');
    assert.equal(r5?.model, 'cheap-b');
    assert.equal(r5?.tier, 1);
    assert.equal(r5?.callerTag, undefined);
    assertUsd(r5?.costUsd, 0.188);
    assertUsd(r5?.cloudOnlyCostUsd, 0.094);
    assert.deepEqual(
      r5?.attempts.map((a) => [a.model, a.outcome, a.reason, a.answered, a.cloudOnlyCostUsd]),
      [
        ['cheap', 'error', 'unreachable', false, 0],
        ['cheap-b', 'ok', undefined, true, r5?.cloudOnlyCostUsd],
      ],
    );
    assert.deepEqual(r5?.attempts[1].usage, usage(100_000, 1000, 500, 10_000));

    const r7 = await ledger.getRequest('r7');
    assert.equal(r7?.outcome, 'error');
    assert.equal(r7?.errorCode, 'all_candidates_failed');
    assert.deepEqual(
      r7?.attempts.map((a) => [a.model, a.answered]),
      [
        ['local', false],
        ['cheap', false],
        ['mid', false],
      ],
    );
    assertUsd(r7?.cloudOnlyCostUsd, 0.0004);
    assert.equal(await ledger.getRequest('nope'), undefined);
  });

  it('sums spend since a time, over everyone or per caller tag', async () => {
    assertUsd(await ledger.spentSince(day0), 0.2114);
    assertUsd(await ledger.spentSince(day0 - 1), 0.2124); // r8 (0.001) started 1 ms earlier
    assertUsd(await ledger.spentSince(day0, 'alpha'), 0.0214);
    assertUsd(await ledger.spentSince(day0 - 1, 'alpha'), 0.0224);
    assertUsd(await ledger.spentSince(day0, 'beta'), 0.002);
    assertUsd(await ledger.spentSince(day2), 0.0214);
    assert.equal(await ledger.spentSince(day0, 'nobody'), 0);
  });

  it('by tier: answered requests per tier, failed ones apart, shares summing to 1', async () => {
    const report = await ledger.usage({ sinceMs: day0, by: 'tier' });
    assertRows(
      report.rows,
      [
        ['0', 3, 6, 0, 0.606],
        ['1', 2, 4, 0.1901, 0.0961],
        ['2', 1, 2, 0.0213, 0.0213],
        [null, 1, 0, 0, 0],
      ],
      7,
    );
    assert.equal(report.rows[0].share, 3 / 7); // the headline: share answered at tier 0
    assert.deepEqual(report.rows[0].tokens, usage(406_000, 101_500, 300, 0));
    assert.deepEqual(report.rows[1].tokens, usage(101_100, 1500, 500, 10_000));
    assert.equal(report.rows[0].savingsPct, 100);
    assert.ok(Math.abs(report.rows[1].savingsPct - ((0.0961 - 0.1901) / 0.0961) * 100) < 1e-9);
  });

  it('by model: attempts per model, requests it answered', async () => {
    const report = await ledger.usage({ sinceMs: day0, by: 'model' });
    assertRows(
      report.rows,
      [
        ['local', 3, 6, 0, 0.606],
        ['cheap-b', 1, 1, 0.188, 0.094],
        ['mid', 1, 2, 0.0213, 0.0213],
        ['cheap', 1, 3, 0.0021, 0.0021],
        [null, 1, 0, 0, 0],
      ],
      7,
    );
  });

  it('by task (the resolved task), agent (caller tag) and UTC day: requests', async () => {
    const byTask = await ledger.usage({ sinceMs: day0, by: 'task' });
    assertRows(
      byTask.rows,
      [
        ['code', 3, 6, 0.211, 0.117],
        ['summarize', 3, 5, 0.0004, 0.0064],
        ['default', 1, 1, 0, 0.6],
      ],
      7,
    );
    const byAgent = await ledger.usage({ sinceMs: day0, by: 'agent' });
    assertRows(
      byAgent.rows,
      [
        ['alpha', 4, 7, 0.0214, 0.0274],
        ['beta', 2, 3, 0.002, 0.602],
        [null, 1, 2, 0.188, 0.094],
      ],
      7,
    );
    const byDay = await ledger.usage({ sinceMs: day0, by: 'day' });
    assertRows(
      byDay.rows,
      [
        ['2025-01-10', 2, 2, 0, 0.006],
        ['2025-01-11', 3, 5, 0.19, 0.696],
        ['2025-01-12', 2, 5, 0.0214, 0.0214],
      ],
      7,
    );
  });

  it('has totals over the window, and every grouping adds up to them', async () => {
    for (const by of ['model', 'tier', 'task', 'agent', 'day'] as LedgerGroupBy[]) {
      const { rows, totals } = await ledger.usage({ sinceMs: day0, by });
      assert.equal(totals.key, null);
      assert.equal(totals.requests, 7);
      assert.equal(totals.attempts, 12);
      assert.equal(totals.share, 1);
      assert.deepEqual(totals.tokens, usage(509_200, 104_000, 800, 10_000));
      assertUsd(totals.costUsd, 0.2114);
      assertUsd(totals.cloudOnlyCostUsd, 0.7234);
      assertUsd(totals.savingsUsd, 0.512);
      assert.ok(Math.abs(totals.savingsPct - (0.512 / 0.7234) * 100) < 1e-9);

      const sum = (pick: (row: UsageRow) => number) => rows.reduce((total, row) => total + pick(row), 0);
      assert.ok(
        Math.abs(sum((row) => row.share) - 1) < 1e-12,
        `${by}: shares sum to ${sum((row) => row.share)}`,
      );
      assert.equal(
        sum((row) => row.requests),
        7,
        by,
      );
      assert.equal(
        sum((row) => row.attempts),
        12,
        by,
      );
      assert.equal(
        sum((row) => row.tokens.input),
        509_200,
        by,
      );
      assert.equal(
        sum((row) => row.tokens.reasoning),
        800,
        by,
      );
      assertUsd(
        sum((row) => row.costUsd),
        0.2114,
        by,
      );
      assertUsd(
        sum((row) => row.cloudOnlyCostUsd),
        0.7234,
        by,
      );
    }
  });

  it('honours an end to the window, and reports an empty window as zeros', async () => {
    const window = await ledger.usage({ sinceMs: day1, untilMs: day2, by: 'tier' });
    assert.equal(window.untilMs, day2);
    assert.equal(window.totals.requests, 3);
    assert.deepEqual(
      window.rows.map((row) => [row.key, row.requests, row.attempts]),
      [
        ['0', 1, 2],
        ['1', 2, 3],
      ],
    );
    const empty = await ledger.usage({ sinceMs: day2 * 2, by: 'tier' });
    assert.deepEqual(empty.rows, []);
    assert.equal(empty.totals.requests, 0);
    assert.equal(empty.totals.share, 0);
    assert.equal(empty.totals.savingsPct, 0);
  });

  it('writes nothing when recording fails half-way, and refuses a request id twice', async () => {
    const attempts: Attempt[] = [
      attempt('local', 'inadequate', usage(10)),
      { ...attempt('cheap', 'ok', usage(10)), outcome: 'bogus' as Attempt['outcome'] },
    ];
    await assert.rejects(ledger.record(request('broken', attempts, { startedAt: day2 }), attempts), /CHECK/);
    assert.equal(await ledger.getRequest('broken'), undefined);
    assert.equal(db.prepare("SELECT COUNT(*) AS n FROM attempts WHERE request_id = 'broken'").get()?.n, 0);

    const [r1, r1Attempts] = dataSet()[0];
    await assert.rejects(ledger.record({ ...r1, costUsd: 5 }, [...r1Attempts, ...r1Attempts]));
    assert.equal((await ledger.getRequest('r1'))?.attempts.length, 1);
    assertUsd(await ledger.spentSince(day0), 0.2114);
  });
});
