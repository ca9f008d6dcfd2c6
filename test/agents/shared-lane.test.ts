// The lane contract against the in-memory Lane and SharedLane over real PostgreSQL, and what only a
// shared lane does: two processes' lanes (two pools) share one limit, a dead holder's slot lapses after
// its lease while a live holder's is renewed.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Lane } from '../../src/agents/lane.ts';
import { SharedLane, type SharedLaneOptions } from '../../src/agents/shared-lane.ts';
import type { LaneHoldStore } from '../../src/contracts/lane-hold-store.ts';
import { openPostgresStores, type PostgresStores } from '../../src/store/postgres/open-postgres-stores.ts';
import { ManualClock, settleMicrotasks } from '../scheduler/manual-clock.ts';
import {
  type PostgresCluster,
  postgresUnavailable,
  startPostgresCluster,
} from '../store/postgres/start-postgres-cluster.ts';
import { gatedTasks, laneContract, until } from './lane-contract.ts';

laneContract('in memory', async (limit) => {
  const lane = new Lane(limit);
  return { lane, held: async () => lane.active, close: async () => {} };
});

/** A store that counts the calls made through it (how often a waiting lane asked, what is in flight). */
function counted(store: LaneHoldStore) {
  const calls = { take: 0, renew: 0, inFlight: 0 };
  const track =
    <A extends unknown[], R>(kind: 'take' | 'renew' | undefined, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (kind) calls[kind]++;
      calls.inFlight++;
      try {
        return await call(...args);
      } finally {
        calls.inFlight--;
      }
    };
  return {
    calls,
    store: {
      take: track('take', store.take),
      renew: track('renew', store.renew),
      release: track(undefined, store.release),
    } satisfies LaneHoldStore,
  };
}

const unavailable = postgresUnavailable();
if (unavailable) {
  test('shared lane: PostgreSQL', { skip: unavailable }, () => {});
} else {
  let cluster: PostgresCluster | undefined;
  let template: string | undefined;
  after(() => cluster?.stop());

  /** Two processes' stores on one fresh database (two pools). */
  const openTwo = async (): Promise<[PostgresStores, PostgresStores]> => {
    if (!cluster) {
      cluster = await startPostgresCluster();
      template = await cluster.createDatabase();
      await (await openPostgresStores(template)).close();
    }
    const url = await cluster.createDatabase({ template });
    return [
      await openPostgresStores(url, { poolMax: 4, migrate: false }),
      await openPostgresStores(url, { poolMax: 4, migrate: false }),
    ];
  };
  const holdsOn = async (stores: PostgresStores, lane = 'subagents') =>
    (
      await stores.pool.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM lane_holds WHERE lane = $1', [
        lane,
      ])
    ).rows[0].n;
  const laneOn = (
    stores: PostgresStores,
    owner: string,
    options: Partial<SharedLaneOptions> & { limit: number },
  ) =>
    new SharedLane({
      store: stores.shared.lanes,
      lane: 'subagents',
      owner,
      leaseMs: 30_000,
      pollMs: 5,
      ...options,
    });

  laneContract('PostgreSQL', async (limit) => {
    const [stores, other] = await openTwo();
    await other.close();
    return {
      lane: laneOn(stores, 'process-a', { limit }),
      held: () => holdsOn(stores),
      close: () => stores.close(),
    };
  });

  describe('a lane shared on PostgreSQL', () => {
    test('two processes with a limit of 2 run 2 tasks at once in total; the waiting one keeps asking and gets the freed slots', async () => {
      const [first, second] = await openTwo();
      try {
        const a = counted(first.shared.lanes);
        const b = counted(second.shared.lanes);
        const laneA = laneOn(first, 'process-a', { limit: 2, store: a.store });
        const laneB = laneOn(second, 'process-b', { limit: 2, store: b.store });
        const tasks = gatedTasks();
        const results = [
          ...['a0', 'a1', 'a2'].map((name) => laneA.run(tasks.task(name))),
          ...['b0', 'b1', 'b2'].map((name) => laneB.run(tasks.task(name))),
        ];
        await until('two tasks started', () => tasks.started.length === 2);
        // Both lanes have asked several times more since: still two tasks, whoever holds them.
        const [takesA, takesB] = [a.calls.take, b.calls.take];
        await until(
          'both lanes asked twice more',
          () => a.calls.take >= takesA + 2 && b.calls.take >= takesB + 2,
        );
        assert.equal(tasks.started.length, 2, 'no third task started anywhere');
        assert.equal(await holdsOn(first), 2);
        assert.equal(laneA.active + laneB.active, 2);
        assert.equal(laneA.waiting + laneB.waiting, 4);
        for (let next = 3; next <= 6; next++) {
          tasks.open(tasks.started[next - 3]);
          await until(`task ${next} started`, () => tasks.started.length === next);
          assert.equal(tasks.running, 2);
        }
        tasks.open(tasks.started[4]);
        tasks.open(tasks.started[5]);
        await Promise.all(results);
        assert.equal(tasks.peak, 2);
        assert.deepEqual(
          tasks.started.filter((name) => name.startsWith('a')),
          ['a0', 'a1', 'a2'],
          'first come first served within process a',
        );
        assert.deepEqual(
          tasks.started.filter((name) => name.startsWith('b')),
          ['b0', 'b1', 'b2'],
          'first come first served within process b',
        );
        assert.equal(await holdsOn(first), 0);
      } finally {
        await first.close();
        await second.close();
      }
    });

    test('a task aborted while the store is being asked for its slot leaves no hold behind', async () => {
      const [stores, other] = await openTwo();
      await other.close();
      try {
        const tracked = counted(stores.shared.lanes);
        const lane = laneOn(stores, 'process-a', { limit: 1, store: tracked.store });
        const controller = new AbortController();
        const aborted = lane.run(async () => 'ran', controller.signal);
        assert.equal(tracked.calls.inFlight, 1, 'the take is on its way');
        controller.abort(new Error('the run timed out'));
        await assert.rejects(aborted, /the run timed out/);
        await until('the store calls settled', () => tracked.calls.inFlight === 0);
        await settleMicrotasks();
        await until('the slot taken for it given back', async () => (await holdsOn(stores)) === 0);
        assert.equal(await lane.run(async () => 'next'), 'next', 'the slot is free');
        assert.equal(await holdsOn(stores), 0);
      } finally {
        await stores.close();
      }
    });

    test("a dead holder's slot stops counting after its lease; a live holder's is renewed and keeps counting", async () => {
      const [first, second] = await openTwo();
      try {
        const clock = new ManualClock('2026-01-01T00:00:00Z');
        const leaseMs = 3000;
        const timed = { now: () => clock.now(), timers: clock, leaseMs, pollMs: 100 };
        // A process took a slot and died: nobody renews its hold.
        assert.equal(
          await first.shared.lanes.take(
            { lane: 'subagents', id: 'dead-hold', owner: 'dead-process', expiresAt: clock.now() + leaseMs },
            2,
            clock.now(),
          ),
          true,
        );
        const a = counted(first.shared.lanes);
        const b = counted(second.shared.lanes);
        const live = laneOn(first, 'live-process', { limit: 2, store: a.store, ...timed });
        const waiting = laneOn(second, 'waiting-process', { limit: 2, store: b.store, ...timed });
        const tasks = gatedTasks();
        const liveTask = live.run(tasks.task('live'));
        await until('the live task started', () => tasks.started.length === 1);
        const waitingTask = waiting.run(tasks.task('waiting'));
        const quiet = async () => {
          await until('store calls settled', () => a.calls.inFlight === 0 && b.calls.inFlight === 0);
          await settleMicrotasks();
        };
        // Time passes in 100 ms steps, each one's store calls settled before the next: the waiting lane
        // asks at every step, the live lane renews every second.
        const pass = async (ms: number) => {
          for (let step = 0; step < ms; step += 100) {
            await clock.advance(100);
            await quiet();
          }
        };
        await quiet();
        await pass(2900);
        assert.deepEqual(tasks.started, ['live'], 'until the dead hold lapses, it counts');
        assert.ok(b.calls.take >= 29, `the waiting lane kept asking (${b.calls.take} times)`);
        assert.equal(a.calls.renew, 2, 'the live hold was renewed at 1 s and 2 s');
        await pass(100);
        await until('the waiting task started', () => tasks.started.length === 2);
        assert.deepEqual(tasks.started, ['live', 'waiting'], 'the lapsed slot went to the waiting process');
        const owners = await first.pool.query<{ owner: string }>(
          'SELECT owner FROM lane_holds ORDER BY owner',
        );
        assert.deepEqual(
          owners.rows.map((row) => row.owner),
          ['live-process', 'waiting-process'],
          'the dead hold is gone; the live one (older than its first lease) still counts',
        );
        // A third task waits: the renewed live hold and the new one fill the lane.
        const third = waiting.run(tasks.task('third'));
        await pass(4000);
        assert.equal(
          tasks.started.length,
          2,
          'no third task while both live holds count, long after their first lease',
        );
        tasks.open('live');
        await liveTask;
        await pass(100);
        await until('the third task started', () => tasks.started.length === 3);
        tasks.open('waiting');
        tasks.open('third');
        await Promise.all([waitingTask, third]);
        assert.equal(await holdsOn(first), 0);
      } finally {
        await first.close();
        await second.close();
      }
    });
  });
}
