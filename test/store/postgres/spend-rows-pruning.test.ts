// Spend caps' bookkeeping on PostgreSQL does not grow without end: the history pruner (pyramid start's
// hourly prune, `pyramid prune`) removes the per-day totals (spend_totals) and holds (spend_reservations)
// of days before yesterday, and holds that lapsed over a day ago; today's and yesterday's stay.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SpendHold } from '../../../src/contracts/spend-reservation-store.ts';
import { openPostgresStores, type PostgresStores } from '../../../src/store/postgres/open-postgres-stores.ts';
import { pruneHistory, retentionCutoffs } from '../../../src/store/prune-history.ts';
import { type PostgresCluster, postgresUnavailable, startPostgresCluster } from './start-postgres-cluster.ts';

const unavailable = postgresUnavailable();
const day = 86_400_000;
const now = Date.parse('2026-05-20T10:00:00Z');

const hold = (id: string, at: number, expiresAt: number): SpendHold => {
  const dayText = new Date(at).toISOString().slice(0, 10);
  return {
    id,
    day: dayText,
    dayStartMs: Date.parse(`${dayText}T00:00:00Z`),
    scopes: [
      { scope: '*', capUsd: 100 },
      { scope: 'agent-a', capUsd: 100 },
    ],
    amountUsd: 0.01,
    expiresAt,
  };
};

describe('pruning spend-cap rows on PostgreSQL', { skip: unavailable }, () => {
  let cluster: PostgresCluster;
  let stores: PostgresStores;
  before(async () => {
    cluster = await startPostgresCluster();
    stores = await openPostgresStores(await cluster.createDatabase());
  });
  after(async () => {
    await stores?.close();
    await cluster?.stop();
  });

  const rows = async () => ({
    totals: (
      await stores.pool.query<{ day: string; scope: string }>(
        'SELECT day, scope FROM spend_totals ORDER BY day, scope',
      )
    ).rows.map((row) => `${row.day} ${row.scope}`),
    holds: (
      await stores.pool.query<{ id: string; scope: string }>(
        'SELECT id, scope FROM spend_reservations ORDER BY id, scope',
      )
    ).rows.map((row) => `${row.id} ${row.scope}`),
  });

  test('days before yesterday go, with their holds and holds that lapsed a day ago; today and yesterday stay, and a dry run counts them', async () => {
    const spend = stores.shared.spend;
    // Each reserve opens the day's totals for '*' and 'agent-a'; unsettled holds stay in the table. The
    // old days' holds have not lapsed (a later reserve would delete a lapsed one itself): they go by day.
    assert.equal(
      await spend.reserve(hold('ten-days-ago', now - 10 * day, now + 60_000), now - 10 * day),
      undefined,
    );
    assert.equal(
      await spend.reserve(hold('two-days-ago', now - 2 * day, now + 60_000), now - 2 * day),
      undefined,
    );
    assert.equal(await spend.reserve(hold('yesterday', now - day, now + 60_000), now - day), undefined);
    assert.equal(await spend.reserve(hold('today', now, now + 60_000), now), undefined);
    const before = await rows();
    assert.equal(before.totals.length, 8);
    assert.equal(before.holds.length, 8);

    const cutoffs = retentionCutoffs({ everyMs: 3_600_000 }, now);
    assert.equal(
      cutoffs.spendBefore,
      now - day,
      'a fixed day: these rows are working state, the ledger keeps the spend',
    );
    assert.equal(
      (await stores.pruner.count(cutoffs)).spendRows,
      8,
      'four totals and four hold rows of two old days',
    );
    assert.deepEqual(await rows(), before, 'a count removes nothing');

    const counts = await pruneHistory(stores.pruner, cutoffs);
    assert.equal(counts.spendRows, 8);
    assert.deepEqual(await rows(), {
      totals: ['2026-05-19 *', '2026-05-19 agent-a', '2026-05-20 *', '2026-05-20 agent-a'],
      holds: ['today *', 'today agent-a', 'yesterday *', 'yesterday agent-a'],
    });
    // What stays still works: today's cap sees today's hold.
    const refused = await spend.reached(
      '2026-05-20',
      Date.parse('2026-05-20T00:00:00Z'),
      [{ scope: 'agent-a', capUsd: 0.01 }],
      now,
    );
    assert.equal(refused?.scope, 'agent-a');
  });

  test("a hold that lapsed over a day ago goes though its day is yesterday's; one that lapsed since stays", async () => {
    const spend = stores.shared.spend;
    const yesterdayNoon = Date.parse('2026-05-19T12:00:00Z');
    assert.equal(
      await spend.reserve(
        hold('lapsed-long-ago', yesterdayNoon - 3 * 3_600_000, yesterdayNoon - 3 * 3_600_000 + 1),
        yesterdayNoon - 3 * 3_600_000,
      ),
      undefined,
    );
    const cutoffs = retentionCutoffs({ everyMs: 3_600_000 }, Date.parse('2026-05-20T10:00:01Z'));
    await pruneHistory(stores.pruner, cutoffs);
    assert.deepEqual(
      (await rows()).holds.filter((row) => row.startsWith('lapsed')),
      [],
      'lapsed before the cutoff (2026-05-19T10:00:01Z)',
    );
    assert.ok((await rows()).holds.includes('yesterday *'), 'lapses after the cutoff: kept');
  });
});
