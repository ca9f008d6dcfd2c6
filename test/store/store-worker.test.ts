import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import type { StoreError } from '../../src/contracts/errors/store-error.ts';
import type { StoredJob } from '../../src/contracts/scheduler-store.ts';
import { startSqliteStoreWorker, type WorkerStores } from '../../src/store/index.ts';
import { waitFor } from '../delivery/wait-for.ts';
import { testJob } from '../scheduler/scheduler-harness.ts';

const job = (id: string): StoredJob => ({
  id,
  source: 'store',
  definition: testJob(id, 'agent', { kind: 'every', everyMs: 60_000 }),
  createdAt: 1,
  updatedAt: 1,
});

describe('the SQLite store worker', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyramid-store-worker-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('serves the store interfaces from its own thread, and closing commits what waits', async () => {
    const path = join(dir, 'basic.db');
    const stores = await startSqliteStoreWorker(path);
    await stores.scheduler.putJob(job('a'));
    assert.deepEqual(
      (await stores.scheduler.listJobs()).map((stored) => stored.id),
      ['a'],
    );
    await stores.close();
    await assert.rejects(stores.scheduler.listJobs(), (error: StoreError) => error.code === 'store_closed');
    const reopened = new DatabaseSync(path);
    assert.equal((reopened.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n, 1);
    reopened.close();
  });

  test('a write lock held by another connection never blocks the event loop: calls answer store_busy, and the store recovers by itself', async () => {
    const path = join(dir, 'locked.db');
    const stores: WorkerStores = await startSqliteStoreWorker(path, {
      busyTimeoutMs: 300,
      callTimeoutMs: 1000,
    });
    const other = new DatabaseSync(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      // A timer keeps ticking on this thread while the store waits on the lock.
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 5);
      const write = stores.scheduler.putJob(job('b'));
      await waitFor(() => ticks >= 3, 10_000, 'timers to fire while the store waits on the lock');
      await assert.rejects(write, (error: StoreError) => error.code === 'store_busy' && error.transient);
      clearInterval(ticker);
      assert.equal(stores.status().state, 'degraded');
      assert.match(stores.status().reason ?? '', /locked/);
      // Reads still work in WAL mode while another connection writes.
      assert.deepEqual(await stores.scheduler.listJobs(), []);
      other.exec('COMMIT');
      await stores.scheduler.putJob(job('b'));
      assert.equal(stores.status().state, 'ok', 'a write that works again ends the degraded state');
    } finally {
      if (other.isTransaction) other.exec('ROLLBACK');
      other.close();
      await stores.close();
    }
  });

  // 40 calls waiting the full 2 s busy timeout one after another would take 80 s: the timeout catches that.
  test('calls queued behind a held lock are answered within a bounded time, not one busy timeout each', {
    timeout: 60_000,
  }, async () => {
    const path = join(dir, 'queued.db');
    const stores = await startSqliteStoreWorker(path, { busyTimeoutMs: 2000, callTimeoutMs: 3000 });
    const other = new DatabaseSync(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      const writes = Array.from({ length: 40 }, (_, index) => stores.scheduler.putJob(job(`q${index}`)));
      const results = await Promise.allSettled(writes);
      // 40 calls each waiting the full 2 s would take 80 s; the line drains once the lock is known to be held.
      assert.ok(results.every((result) => result.status === 'rejected'));
      assert.ok(
        results.every((result) => (result as PromiseRejectedResult).reason.code === 'store_busy'),
        'each is store_busy',
      );
    } finally {
      other.exec('ROLLBACK');
      other.close();
      await stores.close();
    }
  });

  test('a ledger row waiting behind the lock is written once the lock is released, never dropped for being late', async () => {
    const path = join(dir, 'ledger-late.db');
    const stores = await startSqliteStoreWorker(path, { busyTimeoutMs: 5000, callTimeoutMs: 100 });
    const other = new DatabaseSync(path);
    other.exec('BEGIN IMMEDIATE');
    const insert = stores.ledger.insert(
      {
        requestId: 'late-1',
        task: 'default',
        resolvedTask: 'default',
        startedAt: 1,
        finishedAt: 2,
        outcome: 'ok',
        usage: { input: 1, output: 1, reasoning: 0, cachedInput: 0 },
        costUsd: 0.5,
        cloudOnlyCostUsd: 0.5,
      },
      [],
    );
    // Well past the 100 ms call timeout, which a ledger row is exempt from.
    await new Promise((resolve) => setTimeout(resolve, 400));
    other.exec('COMMIT');
    other.close();
    await insert;
    assert.equal(await stores.ledger.sumCost(0), 0.5);
    await stores.close();
  });

  test('pyramid.db deleted under the running store: noticed within seconds, every call then fails store_gone with what to do', async () => {
    const path = join(dir, 'deleted.db');
    const stores = await startSqliteStoreWorker(path, { watchIntervalMs: 50 });
    await stores.scheduler.putJob(job('c'));
    await rm(path);
    await waitFor(() => stores.status().state === 'gone', 10_000, 'the store to notice');
    assert.match(stores.status().reason ?? '', /was deleted while Pyramid was running/);
    assert.match(
      stores.status().reason ?? '',
      /\/proc\/\d+\/fd\/\d+/,
      'says where the data can still be read',
    );
    await assert.rejects(
      stores.scheduler.putJob(job('d')),
      (error: StoreError) => error.code === 'store_gone',
    );
    await stores.close();
  });

  test('a database that cannot be opened rejects with the open error naming the file', async () => {
    await assert.rejects(
      startSqliteStoreWorker(dir),
      (error: Error & { code?: string }) => error.code === 'store_cannot_open' && error.message.includes(dir),
    );
  });
});
