// The platform's breaker states and alert claims on PostgreSQL: of processes reporting the same change
// at once, exactly one moves the epoch on; an alert key is claimed once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openPostgresStores, type PostgresStores } from '../../../src/store/postgres/open-postgres-stores.ts';
import { type PostgresCluster, postgresUnavailable, startPostgresCluster } from './start-postgres-cluster.ts';

const unavailable = postgresUnavailable();

describe('PostgreSQL breaker states', { skip: unavailable }, () => {
  let cluster: PostgresCluster;
  let first: PostgresStores;
  let second: PostgresStores;
  before(async () => {
    cluster = await startPostgresCluster();
    const url = await cluster.createDatabase();
    first = await openPostgresStores(url, { poolMax: 6 });
    second = await openPostgresStores(url, { poolMax: 6, migrate: false });
  });
  after(async () => {
    await first?.close();
    await second?.close();
    await cluster?.stop();
  });

  test('open moves closed to open once, close moves it back once; each with a new epoch', async () => {
    const a = first.shared.breakers;
    const b = second.shared.breakers;
    assert.equal(
      await a.transition({ model: 'm', state: 'closed', by: 'A', at: 1 }),
      undefined,
      'never seen open',
    );
    const opened = await a.transition({
      model: 'm',
      state: 'open',
      retryAt: 5000,
      reason: 'unreachable',
      by: 'A',
      at: 0,
    });
    assert.deepEqual(opened, {
      changed: true,
      state: {
        model: 'm',
        state: 'open',
        epoch: 1,
        retryAt: 5000,
        reason: 'unreachable',
        openedEpoch: 1,
        changedBy: 'A',
        changedAt: 0,
      },
    });
    const again = await b.transition({
      model: 'm',
      state: 'open',
      retryAt: 6000,
      reason: 'server_error',
      by: 'B',
      at: 10,
    });
    assert.equal(again?.changed, false);
    assert.equal(again?.state.epoch, 1);
    assert.equal(again?.state.changedBy, 'A', 'the first opening stands');
    const closed = await b.transition({ model: 'm', state: 'closed', by: 'B', at: 20 });
    assert.equal(closed?.changed, true);
    assert.equal(closed?.state.epoch, 2);
    assert.equal(closed?.state.retryAt, undefined);
    assert.equal((await a.transition({ model: 'm', state: 'closed', by: 'A', at: 21 }))?.changed, false);
    // An open whose retry time passed with nobody saying more is replaced by a new opening.
    await a.transition({ model: 'm', state: 'open', retryAt: 100, by: 'A', at: 30 });
    const stale = await b.transition({ model: 'm', state: 'open', retryAt: 900, by: 'B', at: 200 });
    assert.equal(stale?.changed, true);
    assert.equal(stale?.state.epoch, 4);
    assert.equal(stale?.state.openedEpoch, 3, 'the same outage, opened at epoch 3');
    assert.deepEqual(
      (await b.list()).map((state) => [state.model, state.state, state.epoch]),
      [['m', 'open', 4]],
    );
  });

  test('of ten processes opening one breaker at once, one moves it', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        (index % 2 ? first : second).shared.breakers.transition({
          model: 'race',
          state: 'open',
          retryAt: 60_000,
          by: `p${index}`,
          at: 1000,
        }),
      ),
    );
    assert.equal(outcomes.filter((outcome) => outcome?.changed).length, 1);
    assert.ok(outcomes.every((outcome) => outcome?.state.epoch === 1));
  });

  test('a half-open trial is claimed by one process once the retry time passed; its result ends the claim', async () => {
    const store = (index: number) => (index % 2 ? first : second).shared.breakers;
    await store(0).transition({
      model: 'trial',
      state: 'open',
      retryAt: 5000,
      reason: 'unreachable',
      by: 'p0',
      at: 0,
    });
    assert.deepEqual(
      await store(1).claimTrial('trial', 'p1', 4000, 9000),
      { won: false, retryAt: 5000, trialInFlight: false },
      'not before the retry time',
    );
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, index) => store(index).claimTrial('trial', `p${index}`, 5000, 10_000)),
    );
    const winners = claims.flatMap((claim, index) => (claim.won ? [index] : []));
    assert.equal(winners.length, 1, JSON.stringify(claims));
    const winner = `p${winners[0]}`;
    assert.ok(
      claims.every((claim) => claim.won || (claim.trialInFlight && claim.retryAt === 10_000)),
      'the others learn until when the trial may be out',
    );
    assert.deepEqual(
      await store(0).claimTrial('trial', winner, 6000, 11_000),
      { won: true },
      'its holder again',
    );
    assert.equal((await store(0).claimTrial('trial', 'late', 7000, 12_000)).won, false);
    assert.equal(
      (await store(0).claimTrial('trial', 'late', 11_000, 16_000)).won,
      true,
      'a trial whose time ran out is free',
    );

    // The trial failed: the reopening (epoch 2, same outage) ends the claim and sets the next retry time.
    const reopened = await store(1).transition({
      model: 'trial',
      state: 'open',
      retryAt: 20_000,
      reason: 'unreachable',
      by: 'late',
      at: 12_000,
    });
    assert.deepEqual([reopened?.changed, reopened?.state.epoch, reopened?.state.openedEpoch], [true, 2, 1]);
    assert.deepEqual(await store(0).claimTrial('trial', 'p0', 13_000, 18_000), {
      won: false,
      retryAt: 20_000,
      trialInFlight: false,
    });
    assert.equal((await store(0).claimTrial('trial', 'p0', 20_000, 25_000)).won, true);
    // It succeeded: closed; a claim on a closed (or never seen) breaker is won, there is nothing to share.
    await store(0).transition({ model: 'trial', state: 'closed', by: 'p0', at: 21_000 });
    assert.deepEqual(await store(1).claimTrial('trial', 'p1', 22_000, 27_000), { won: true });
    assert.deepEqual(await store(1).claimTrial('never-open', 'p1', 22_000, 27_000), { won: true });
    const next = await store(1).transition({
      model: 'trial',
      state: 'open',
      retryAt: 40_000,
      by: 'p1',
      at: 30_000,
    });
    assert.deepEqual([next?.state.epoch, next?.state.openedEpoch], [4, 4], 'a new outage');
  });

  test('an alert key is claimed by the first process only', async () => {
    const claims = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        (index % 2 ? first : second).shared.breakers.claim('breaker:m:open:1', `p${index}`, 1000),
      ),
    );
    assert.equal(claims.filter(Boolean).length, 1);
    assert.equal(await first.shared.breakers.claim('breaker:m:closed:2', 'p0', 1000), true);
  });
});
