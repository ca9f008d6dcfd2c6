// RunStartBatcher: the starts a dispatch asks for in one turn are one startRuns call (one take of the
// platform lane), on a real SQLite store; starts asked while a call is in flight go in the next one.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunRecord, SchedulerStore } from '../../src/contracts/scheduler-store.ts';
import { RunStartBatcher } from '../../src/scheduler/run-start-batcher.ts';
import { openInlineStores } from '../../src/store/index.ts';
import { runRecord } from './run-record.ts';

async function storeWithQueued(count: number) {
  const stores = await openInlineStores(
    join(await mkdtemp(join(tmpdir(), 'pyramid-batcher-')), 'pyramid.db'),
  );
  for (let index = 0; index < count; index++)
    await stores.scheduler.insertRun(runRecord(`r${index}`, 'queued', index + 1));
  const calls: string[][] = [];
  const store: Pick<SchedulerStore, 'startRuns'> = {
    startRuns(runs, lease, maxRunning) {
      calls.push(runs.map((run) => run.id));
      return stores.scheduler.startRuns(runs, lease, maxRunning);
    },
  };
  return { stores, store, calls };
}

const running = (id: string, queuedAt: number): RunRecord => ({
  ...runRecord(id, 'running', queuedAt),
  startedAt: 100,
  attempt: 2,
});

test('starts asked in one turn are one startRuns call; the lane decides each in order', async () => {
  const { stores, store, calls } = await storeWithQueued(5);
  const batcher = new RunStartBatcher({
    store,
    lease: () => ({ owner: 'p1', until: 5000 }),
    maxRunning: 3,
    retry: (write) => write(),
  });
  const outcomes = await Promise.all(
    [0, 1, 2, 3, 4].map((index) => batcher.start(running(`r${index}`, index + 1))),
  );
  assert.deepEqual(outcomes, ['started', 'started', 'started', 'lane-full', 'lane-full']);
  assert.deepEqual(calls, [['r0', 'r1', 'r2', 'r3', 'r4']], 'one call for the five');
  assert.equal((await stores.scheduler.getRun('r1'))?.status, 'running');
  assert.equal((await stores.scheduler.getRun('r1'))?.attempt, 2, 'written as given');
  assert.equal((await stores.scheduler.getRun('r3'))?.status, 'queued');
  assert.deepEqual((await stores.scheduler.renewRunLeases('p1', 9000)).sort(), ['r0', 'r1', 'r2']);
  await stores.close();
});

test('starts asked while a call is in flight go in the next call, one call at a time', async () => {
  const { stores, store, calls } = await storeWithQueued(4);
  let inFlight = 0;
  let most = 0;
  const slow: Pick<SchedulerStore, 'startRuns'> = {
    async startRuns(runs, lease, maxRunning) {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      try {
        return await store.startRuns(runs, lease, maxRunning);
      } finally {
        inFlight--;
      }
    },
  };
  const batcher = new RunStartBatcher({
    store: slow,
    lease: () => ({ owner: 'p1', until: 5000 }),
    maxRunning: 10,
    retry: (write) => write(),
  });
  const first = batcher.start(running('r0', 1));
  await new Promise((resolve) => setImmediate(resolve));
  // r0's call is in flight now.
  const later = [
    batcher.start(running('r1', 2)),
    batcher.start(running('r2', 3)),
    batcher.start(running('r0', 1)),
  ];
  assert.deepEqual(await Promise.all([first, ...later]), ['started', 'started', 'started', 'taken']);
  assert.deepEqual(calls, [['r0'], ['r1', 'r2', 'r0']]);
  assert.equal(most, 1, 'never two calls at once');
  await stores.close();
});

test('a failed call is retried as the scheduler retries writes; a failure given up on rejects every start of the batch', async () => {
  const { stores, store } = await storeWithQueued(2);
  let failures = 1;
  const flaky: Pick<SchedulerStore, 'startRuns'> = {
    startRuns(runs, lease, maxRunning) {
      if (failures-- > 0) return Promise.reject(new Error('database is locked'));
      return store.startRuns(runs, lease, maxRunning);
    },
  };
  const retryOnce = async <T>(write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch {
      return write();
    }
  };
  const batcher = new RunStartBatcher({
    store: flaky,
    lease: () => ({ owner: 'p1', until: 5000 }),
    maxRunning: 5,
    retry: retryOnce,
  });
  assert.deepEqual(await Promise.all([batcher.start(running('r0', 1)), batcher.start(running('r1', 2))]), [
    'started',
    'started',
  ]);

  const down: Pick<SchedulerStore, 'startRuns'> = {
    startRuns: () => Promise.reject(new Error('the store is down')),
  };
  const givingUp = new RunStartBatcher({
    store: down,
    lease: () => ({ owner: 'p1', until: 5000 }),
    maxRunning: 5,
    retry: (write) => write(),
  });
  const results = await Promise.allSettled([
    givingUp.start(running('r0', 1)),
    givingUp.start(running('r1', 2)),
  ]);
  assert.deepEqual(
    results.map((result) => result.status),
    ['rejected', 'rejected'],
  );
  await stores.close();
});
