import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { DeliveryRecord, DeliveryState } from '../../src/contracts/delivery.ts';
import type { HistoryPruner } from '../../src/contracts/history-pruner.ts';
import type { RunStatus } from '../../src/contracts/scheduler-store.ts';
import { openInlineStores } from '../../src/store/open-inline-stores.ts';
import { closeSqlite, openSqlite } from '../../src/store/open-sqlite.ts';
import { pruneHistory, retentionCutoffs } from '../../src/store/prune-history.ts';
import { createSqliteHistoryPruner } from '../../src/store/sqlite-history-pruner.ts';
import { runRecord } from '../scheduler/run-record.ts';

const run = (id: string, status: RunStatus, queuedAt: number, sessionId?: string) =>
  runRecord(id, status, queuedAt, sessionId ? { sessionId } : {});

const day = 86_400_000;
const now = Date.UTC(2026, 11, 1);
const old = now - 40 * day;
const recent = now - 1 * day;

const delivery = (id: string, state: DeliveryState, createdAt: number): DeliveryRecord => ({
  id,
  kind: 'run',
  channel: 'log',
  channelType: 'file',
  state,
  chunkCount: 2,
  chunksSent: state === 'delivered' ? 2 : 0,
  attempts: 0,
  failuresInARow: 0,
  nextAttemptAt: createdAt,
  createdAt,
  updatedAt: createdAt,
});

const ids = (db: DatabaseSync, sql: string) =>
  (db.prepare(sql).all() as { id: string }[]).map((row) => row.id).sort();
const count = (db: DatabaseSync, table: string) =>
  Number((db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n);

/** The asynchronous interface over a pruner with a small batch (openInlineStores takes the default one). */
function smallBatchPruner(db: DatabaseSync, batch: number): HistoryPruner {
  const pruner = createSqliteHistoryPruner(db, { batch });
  return {
    count: async (cutoffs) => pruner.count(cutoffs),
    pruneBatch: async (cutoffs) => pruner.pruneBatch(cutoffs),
  };
}

describe('createSqliteHistoryPruner', () => {
  let dir: string;
  let db: DatabaseSync;
  let stores: ReturnType<typeof openInlineStores>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pyramid-prune-'));
    db = openSqlite(join(dir, 'pyramid.db'));
    stores = openInlineStores(db);
  });
  afterEach(async () => {
    await stores.close();
    closeSqlite(db);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Old and recent history of every kind, with the old things that must survive beside what may go. */
  async function seed() {
    const { sessions } = stores;
    const session = async (
      id: string,
      kind: 'isolated' | 'main' | 'subagent',
      createdAt: number,
      parentId?: string,
    ) => {
      await sessions.ensure({ id, kind, agentId: 'agent', ...(parentId ? { parentId } : {}), createdAt });
      await sessions.append(
        id,
        [
          { role: 'user', content: `hello ${id}` },
          { role: 'assistant', content: 'hi' },
        ],
        createdAt,
      );
    };
    await session('old-isolated', 'isolated', old);
    await session('old-sub', 'subagent', old, 'old-isolated');
    await session('old-main', 'main', old);
    await session('recent-isolated', 'isolated', recent);
    await session('old-but-running', 'isolated', old);
    await session('old-sub-of-running', 'subagent', old, 'old-but-running');

    const runs = stores.scheduler;
    await runs.insertRun(run('old-ok', 'ok', old, 'old-isolated'));
    await runs.insertRun(run('old-error', 'error', old));
    await runs.insertRun(run('old-queued', 'queued', old));
    await runs.insertRun(run('old-running', 'running', old, 'old-but-running'));
    await runs.insertRun(run('recent-ok', 'ok', recent, 'recent-isolated'));
    // Queued long ago, finished yesterday (it waited through an outage): not past retention yet.
    await runs.insertRun({ ...run('old-finished-late', 'ok', old), finishedAt: recent });

    const deliveries = stores.delivery;
    await deliveries.insert(
      [
        delivery('old-delivered', 'delivered', old),
        delivery('old-failed', 'failed', old),
        delivery('old-pending', 'pending', old),
        delivery('recent-delivered', 'delivered', recent),
      ].map((record) => ({ record, chunks: ['one', 'two'] })),
    );

    const ledger = stores.ledger;
    for (const [requestId, startedAt] of [
      ['old-request', old],
      ['recent-request', recent],
    ] as const) {
      await ledger.insert(
        {
          requestId,
          task: 'default',
          resolvedTask: 'default',
          startedAt,
          finishedAt: startedAt + 10,
          outcome: 'ok',
          model: 'm',
          tier: 0,
          usage: { input: 1, output: 1, reasoning: 0, cachedInput: 0 },
          costUsd: 0,
          cloudOnlyCostUsd: 0,
        },
        [
          {
            model: 'm',
            provider: 'p',
            tier: 0,
            outcome: 'ok',
            startedAt,
            latencyMs: 10,
            usage: { input: 1, output: 1, reasoning: 0, cachedInput: 0 },
            costUsd: 0,
            answered: true,
            cloudOnlyCostUsd: 0,
          },
        ],
      );
    }
  }

  it('removes finished history past each cutoff and keeps what is still in play', async () => {
    await seed();
    const pruner = stores.pruner;
    const cutoffs = retentionCutoffs(
      { transcriptsMs: 30 * day, runsMs: 30 * day, deliveriesMs: 30 * day, ledgerMs: 30 * day, everyMs: 1 },
      now,
    );
    const expected = {
      sessions: 2,
      sessionMessages: 4,
      runs: 2,
      deliveries: 2,
      ledgerRequests: 1,
      responses: 0,
      spendRows: 0,
    };
    assert.deepEqual(await pruner.count(cutoffs), expected, 'a dry run counts what the prune removes');
    assert.equal(count(db, 'runs'), 6, 'counting removed nothing');
    assert.deepEqual(await pruneHistory(pruner, cutoffs), expected);

    assert.deepEqual(ids(db, 'SELECT id FROM sessions'), [
      'old-but-running',
      'old-main',
      'old-sub-of-running',
      'recent-isolated',
    ]);
    assert.equal(count(db, 'session_messages'), 8, 'the kept sessions keep their transcripts');
    assert.deepEqual(ids(db, 'SELECT id FROM runs'), [
      'old-finished-late',
      'old-queued',
      'old-running',
      'recent-ok',
    ]);
    assert.deepEqual(ids(db, 'SELECT delivery_id AS id FROM deliveries'), [
      'old-pending',
      'recent-delivered',
    ]);
    assert.equal(count(db, 'delivery_chunks'), 4, "a removed delivery's chunks go with it");
    assert.deepEqual(ids(db, 'SELECT request_id AS id FROM requests'), ['recent-request']);
    assert.equal(count(db, 'attempts'), 1, "a removed request's attempts go with it");
    assert.deepEqual(
      await pruner.count(cutoffs),
      { ...expected, ...zeroCounts },
      'nothing is left to remove',
    );
  });

  it('keeps the deliveries of a run whose delivery status is not settled yet, and the run', async () => {
    // What a crash between a delivery becoming final and its run learning it leaves behind.
    await stores.scheduler.insertRun({ ...run('unsettled', 'ok', old), deliveryStatus: 'pending' });
    await stores.delivery.insert([
      { record: { ...delivery('of-unsettled', 'delivered', old), runId: 'unsettled' }, chunks: ['one'] },
      { record: { ...delivery('of-nobody', 'delivered', old), runId: 'gone' }, chunks: ['one'] },
    ]);
    const cutoffs = retentionCutoffs({ runsMs: 30 * day, deliveriesMs: 30 * day, everyMs: 1 }, now);
    await pruneHistory(stores.pruner, cutoffs);
    assert.deepEqual(ids(db, 'SELECT id FROM runs'), ['unsettled']);
    assert.deepEqual(ids(db, 'SELECT delivery_id AS id FROM deliveries'), ['of-unsettled']);
  });

  it('keeps a kind forever when its retention is absent', async () => {
    await seed();
    const cutoffs = retentionCutoffs({ runsMs: 30 * day, everyMs: 1 }, now);
    // spendBefore is always set (spend caps' working rows; none in SQLite), whatever `retention:` says.
    assert.deepEqual(Object.keys(cutoffs), ['runsBefore', 'spendBefore']);
    const counts = await pruneHistory(stores.pruner, cutoffs);
    assert.deepEqual(counts, { ...zeroCounts, runs: 2 });
    assert.equal(count(db, 'sessions'), 6);
    assert.equal(count(db, 'deliveries'), 4);
    assert.equal(count(db, 'requests'), 2);
  });

  it('works through a backlog in batches, each its own transaction, until none is left', async () => {
    for (let index = 0; index < 23; index++)
      await stores.scheduler.insertRun(run(`old-${index}`, 'ok', old + index));
    const pruner = smallBatchPruner(db, 5);
    const cutoffs = { runsBefore: now - 30 * day };
    const first = await pruner.pruneBatch(cutoffs);
    assert.deepEqual([first.counts.runs, first.done], [5, false]);
    assert.equal(count(db, 'runs'), 18);
    assert.equal((await pruneHistory(pruner, cutoffs)).runs, 18);
    assert.equal(count(db, 'runs'), 0);
  });

  it('stops between batches once its signal aborts', async () => {
    for (let index = 0; index < 20; index++)
      await stores.scheduler.insertRun(run(`old-${index}`, 'ok', old + index));
    const controller = new AbortController();
    controller.abort();
    const counts = await pruneHistory(smallBatchPruner(db, 5), { runsBefore: now }, controller.signal);
    assert.equal(counts.runs, 5, 'one batch, then the abort is seen');
    assert.equal(count(db, 'runs'), 15);
  });
});

const zeroCounts = {
  sessions: 0,
  sessionMessages: 0,
  runs: 0,
  deliveries: 0,
  ledgerRequests: 0,
  responses: 0,
  spendRows: 0,
};
