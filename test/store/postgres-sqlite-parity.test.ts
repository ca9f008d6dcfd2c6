// The same ledger in SQLite and PostgreSQL gives the same figures: `pyramid usage` must not change when
// an operator moves to PostgreSQL. Counts and tokens are equal; money sums agree to 1e-12 of their size:
// PostgreSQL adds the doubles' shortest decimals exactly, SQLite's reports read hourly rollups that its
// triggers keep by adding doubles as rows arrive (a few units in the last place per hour).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type {
  LedgerAttemptRow,
  LedgerGroupBy,
  LedgerRequestRow,
  LedgerSums,
} from '../../src/contracts/ledger-store.ts';
import { openInlineStores } from '../../src/store/index.ts';
import { openPostgresStores } from '../../src/store/postgres/open-postgres-stores.ts';
import {
  type PostgresCluster,
  postgresUnavailable,
  startPostgresCluster,
} from './postgres/start-postgres-cluster.ts';

const unavailable = postgresUnavailable();
let cluster: PostgresCluster | undefined;
before(async () => {
  if (!unavailable) cluster = await startPostgresCluster();
});
after(() => cluster?.stop());

/** A small deterministic generator, so a failure is reproducible. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

test('SQLite and PostgreSQL sum and group 2,000 priced requests identically', {
  skip: unavailable,
}, async () => {
  const next = random(42);
  // Prices as configs give them (USD per million tokens) times token counts: the costs real requests have.
  const prices = [0, 0.075, 0.15, 0.27, 1.1, 3, 15, 75];
  const sqlite = openInlineStores(':memory:');
  const postgres = await openPostgresStores(await (cluster as PostgresCluster).createDatabase());
  try {
    for (let index = 0; index < 2000; index++) {
      const attempts: LedgerAttemptRow[] = [];
      const count = 1 + Math.floor(next() * 3);
      let cost = 0;
      for (let seq = 0; seq < count; seq++) {
        const tier = Math.floor(next() * 4);
        const input = Math.floor(next() * 20_000);
        const output = Math.floor(next() * 4000);
        const costUsd =
          (input * prices[Math.floor(next() * 8)] + output * prices[Math.floor(next() * 8)]) / 1e6;
        cost += costUsd;
        attempts.push({
          model: `m${tier}`,
          provider: 'p',
          tier,
          // Now and then a routing decision beside the calls: stored, never counted as an attempt.
          outcome: seq === count - 1 ? 'ok' : index % 7 === 0 ? 'waited' : 'error',
          startedAt: index * 60_000,
          latencyMs: next() * 3000,
          usage: { input, output, reasoning: 0, cachedInput: 0 },
          costUsd,
          answered: seq === count - 1,
          cloudOnlyCostUsd: costUsd * 3.7,
          // Requests from before the baselines (index % 6 === 0) have none.
          ...(index % 6 !== 0 && { topTierCostUsd: costUsd * 9.5, cheapestCloudCostUsd: costUsd * 1.25 }),
        });
      }
      const request: LedgerRequestRow = {
        requestId: `r${index}`,
        task: 'default',
        resolvedTask: ['default', 'code', 'classify'][index % 3],
        ...(index % 4 === 0 ? {} : { callerTag: `agent-${index % 5}` }),
        startedAt: index * 60_000,
        finishedAt: index * 60_000 + 10,
        outcome: 'ok',
        model: attempts[attempts.length - 1].model,
        tier: attempts[attempts.length - 1].tier,
        usage: { input: 1, output: 1, reasoning: 0, cachedInput: 0 },
        costUsd: cost,
        cloudOnlyCostUsd: cost * 3.7,
        ...(index % 6 !== 0 && {
          startTier: 0,
          topTierCostUsd: cost * 9.5,
          cheapestCloudCostUsd: cost * 1.25,
        }),
        ...(index % 5 === 1 && { climbedFromTier: 0, climbPlannedCostUsd: cost / 4 }),
      };
      await Promise.all([sqlite.ledger.insert(request, attempts), postgres.ledger.insert(request, attempts)]);
    }
    const sort = <T extends { key: string | null }>(groups: T[]) =>
      [...groups].sort((a, b) => String(a.key).localeCompare(String(b.key)));
    const moneyFields = [
      'costUsd',
      'cloudOnlyCostUsd',
      'baselineActualCostUsd',
      'topTierCostUsd',
      'cheapestCloudCostUsd',
      'climbedCostUsd',
      'climbedPlannedCostUsd',
    ] as const;
    const close = (left: LedgerSums, right: LedgerSums, what: string) => {
      for (const field of moneyFields)
        assert.ok(
          Math.abs(left[field] - right[field]) <= 1e-12 * Math.abs(left[field]),
          `${what} ${field}: ${left[field]} vs ${right[field]}`,
        );
    };
    const exactPart = (sums: LedgerSums) =>
      Object.fromEntries(Object.entries(sums).filter(([field]) => !moneyFields.includes(field as never)));
    let climbed = 0;
    for (const by of ['model', 'tier', 'task', 'agent', 'day'] as LedgerGroupBy[]) {
      for (const window of [{ sinceMs: 0 }, { sinceMs: 7_000_000, untilMs: 90_000_000 }]) {
        const [left, right] = await Promise.all([
          sqlite.ledger.aggregate(window, by),
          postgres.ledger.aggregate(window, by),
        ]);
        assert.deepEqual(sort(right.groups).map(exactPart), sort(left.groups).map(exactPart), `by ${by}`);
        assert.deepEqual(exactPart(right.totals), exactPart(left.totals), `totals by ${by}`);
        sort(left.groups).forEach((group, index) => {
          close(group, sort(right.groups)[index], `${by} ${group.key}`);
        });
        close(left.totals, right.totals, `totals by ${by}`);
        climbed = Math.max(climbed, right.totals.climbedRequests);
      }
    }
    // The dashboard's queries: SQLite reads hourly rollups, PostgreSQL the rows; the same answers.
    for (const window of [{ sinceMs: 0 }, { sinceMs: 7_000_000, untilMs: 90_000_000 }]) {
      const [left, right] = await Promise.all(
        [sqlite.dashboard, postgres.dashboard].map(async (store) => ({
          perMinute: await store.requestsPerMinute(window),
          reasons: await store.attemptReasons(window),
          listed: await store.listRequests({ ...window, tier: 1, before: 80_000_000, limit: 40 }),
          byCaller: await store.listRequests({ ...window, caller: 'agent-2', limit: 1000 }),
        })),
      );
      assert.deepEqual(right, left, `dashboard over ${JSON.stringify(window)}`);
      assert.ok(left.listed.length === 40 && left.reasons.failovers.unknown > 0);
    }
    // The data has what the comparison is about: baselines on most requests, climbs on some.
    assert.ok(climbed > 100, `climbed requests: ${climbed}`);
    for (const tag of [undefined, 'agent-1', 'agent-3']) {
      assert.equal(
        await postgres.ledger.sumCost(3_000_000, tag),
        await sqlite.ledger.sumCost(3_000_000, tag),
      );
    }
  } finally {
    await sqlite.close();
    await postgres.close();
  }
});
