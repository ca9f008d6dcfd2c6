import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { LedgerAttemptRow, LedgerRequestRow, LedgerStore } from '../../src/contracts/ledger-store.ts';
import { openInlineStores } from '../../src/store/open-inline-stores.ts';
import { closeSqlite, openSqlite } from '../../src/store/open-sqlite.ts';
import { createSqliteLedgerStore } from '../../src/store/sqlite-ledger-store.ts';

const requestRow = (requestId: string, extra: Partial<LedgerRequestRow> = {}): LedgerRequestRow => ({
  requestId,
  task: 'code',
  resolvedTask: 'code',
  startedAt: 1_700_000_000_000,
  finishedAt: 1_700_000_001_000,
  outcome: 'ok',
  model: 'cheap',
  tier: 1,
  usage: { input: 30, output: 20, reasoning: 5, cachedInput: 10 },
  costUsd: 0.25,
  cloudOnlyCostUsd: 0.25,
  ...extra,
});

const attemptRow = (model: string, extra: Partial<LedgerAttemptRow> = {}): LedgerAttemptRow => ({
  model,
  provider: 'p',
  tier: 1,
  outcome: 'ok',
  startedAt: 1_700_000_000_000,
  latencyMs: 10,
  usage: { input: 10, output: 10, reasoning: 0, cachedInput: 0 },
  costUsd: 0.1,
  answered: false,
  cloudOnlyCostUsd: 0,
  ...extra,
});

const count = (db: DatabaseSync, table: string) =>
  Number(db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n);

describe('createSqliteLedgerStore', () => {
  let dir: string;
  let db: DatabaseSync;
  let stores: ReturnType<typeof openInlineStores>;
  let store: LedgerStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pyramid-ledger-store-'));
    db = openSqlite(join(dir, 'pyramid.db'));
    stores = openInlineStores(db);
    store = stores.ledger;
  });
  afterEach(async () => {
    await stores.close();
    closeSqlite(db);
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips a request and its attempts in order, optional fields absent when not given', async () => {
    const attempts = [
      attemptRow('zeta', {
        outcome: 'error',
        reason: 'timeout:first-token',
        detail: 'no token in 10s',
        costUsd: 0,
      }),
      attemptRow('alpha', { outcome: 'inadequate', reason: 'empty_answer', ttftMs: 12.5, maxTokens: 2048 }),
      attemptRow('mid', { answered: true, cloudOnlyCostUsd: 0.25, latencyMs: 33.25 }),
    ];
    const request = requestRow('req-1', { callerTag: 'agent-a' });
    await store.insert(request, attempts);
    const stored = await store.get('req-1');
    assert.deepEqual(stored, { request, attempts });
    assert.equal('errorCode' in (stored?.request ?? {}), false);
    assert.equal('reason' in (stored?.attempts[2] ?? {}), false);
    assert.equal(await store.get('missing'), undefined);
  });

  it('stores a failed request without model and tier, and with no attempts', async () => {
    const { model: _model, tier: _tier, ...rest } = requestRow('failed');
    const failed: LedgerRequestRow = { ...rest, outcome: 'error', errorCode: 'budget_exceeded', costUsd: 0 };
    await store.insert(failed, []);
    assert.deepEqual(await store.get('failed'), { request: failed, attempts: [] });
  });

  it('writes nothing when an attempt fails to insert mid-transaction', async () => {
    const broken = attemptRow('b', { outcome: 'exploded' as LedgerAttemptRow['outcome'] });
    await assert.rejects(
      async () => store.insert(requestRow('half'), [attemptRow('a'), broken, attemptRow('c')]),
      /CHECK/,
    );
    assert.equal(count(db, 'requests'), 0);
    assert.equal(count(db, 'attempts'), 0);
    assert.equal(db.isTransaction, false);
    await store.insert(requestRow('after'), [attemptRow('a')]);
    assert.equal(count(db, 'attempts'), 1);
  });

  it('refuses a request id twice and keeps the first one whole', async () => {
    await store.insert(requestRow('dup'), [attemptRow('first')]);
    await assert.rejects(async () =>
      store.insert(requestRow('dup', { costUsd: 9 }), [attemptRow('x'), attemptRow('y')]),
    );
    const stored = await store.get('dup');
    assert.equal(stored?.request.costUsd, 0.25);
    assert.deepEqual(
      stored?.attempts.map((a) => a.model),
      ['first'],
    );
    assert.equal(count(db, 'attempts'), 1);
  });

  it('commits records that arrive together in one transaction, and fails a bad one alone', async () => {
    const broken = attemptRow('b', { outcome: 'exploded' as LedgerAttemptRow['outcome'] });
    const results = await Promise.allSettled([
      store.insert(requestRow('one'), [attemptRow('a')]),
      store.insert(requestRow('bad'), [attemptRow('a'), broken]),
      store.insert(requestRow('two'), [attemptRow('a'), attemptRow('b')]),
    ]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal(await store.get('bad'), undefined);
    assert.equal((await store.get('two'))?.attempts.length, 2);
    assert.equal(count(db, 'requests'), 2);
    assert.equal(count(db, 'attempts'), 3);
    assert.equal(db.isTransaction, false);
  });

  it('flush commits records waiting for the next turn at once, so closing the database loses none', async () => {
    const flushing = createSqliteLedgerStore(db);
    const written = flushing.insert(requestRow('last-turn'), [attemptRow('cheap')]);
    flushing.flush();
    assert.equal(count(db, 'requests'), 1);
    assert.equal(count(db, 'attempts'), 1);
    await written;
  });

  it('accepts fractional milliseconds instead of failing the record', async () => {
    await store.insert(requestRow('frac', { startedAt: 1000.6, finishedAt: 2000.4 }), [
      attemptRow('a', { startedAt: 1000.7 }),
    ]);
    const stored = await store.get('frac');
    assert.equal(stored?.request.startedAt, 1001);
    assert.equal(stored?.request.finishedAt, 2000);
  });

  it('sums cost since a time, over everyone or one caller tag', async () => {
    await store.insert(requestRow('a', { startedAt: 100, costUsd: 1, callerTag: 'x' }), []);
    await store.insert(requestRow('b', { startedAt: 200, costUsd: 2, callerTag: 'y' }), []);
    await store.insert(requestRow('c', { startedAt: 300, costUsd: 4 }), []);
    assert.equal(await store.sumCost(0), 7);
    assert.equal(await store.sumCost(200), 6);
    assert.equal(await store.sumCost(301), 0);
    assert.equal(await store.sumCost(0, 'x'), 1);
    assert.equal(await store.sumCost(101, 'x'), 0);
    assert.equal(await store.sumCost(0, 'y'), 2);
    assert.equal(await store.sumCost(0, 'nobody'), 0);
  });

  it('answers spend sums from covering indexes, without scanning the table', () => {
    const plan = (sql: string, ...values: Array<string | number>) =>
      db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...values)
        .map((row) => String(row.detail))
        .join('; ');
    assert.match(
      plan('SELECT COALESCE(SUM(cost_usd), 0) FROM requests WHERE started_at >= ?', 0),
      /COVERING INDEX requests_by_started_at/,
    );
    assert.match(
      plan(
        'SELECT COALESCE(SUM(cost_usd), 0) FROM requests WHERE caller_tag = ? AND started_at >= ?',
        'x',
        0,
      ),
      /COVERING INDEX requests_by_caller_tag/,
    );
    assert.match(
      plan('SELECT * FROM attempts WHERE request_id = ? ORDER BY seq', 'x'),
      /sqlite_autoindex_attempts_1/,
    );
  });

  it('aggregates attempts by tier with answered requests, and requests by day, in a window', async () => {
    await store.insert(requestRow('t0', { startedAt: Date.UTC(2025, 0, 1, 23, 59), tier: 0, model: 'l' }), [
      attemptRow('l', { tier: 0, answered: true, costUsd: 0, cloudOnlyCostUsd: 0.5 }),
    ]);
    await store.insert(requestRow('t1', { startedAt: Date.UTC(2025, 0, 2, 0, 0), costUsd: 0.2 }), [
      attemptRow('l', { tier: 0, outcome: 'inadequate', costUsd: 0 }),
      attemptRow('c', { tier: 1, answered: true, cloudOnlyCostUsd: 0.2, costUsd: 0.2 }),
    ]);
    const byTier = await store.aggregate({ sinceMs: 0 }, 'tier');
    const tiers = Object.fromEntries(
      byTier.groups.map((g) => [g.key, [g.requests, g.attempts, g.cloudOnlyCostUsd]]),
    );
    assert.deepEqual(tiers, { '0': [1, 2, 0.5], '1': [1, 1, 0.2] });
    assert.equal(byTier.totals.requests, 2);
    assert.equal(byTier.totals.attempts, 3);
    const byDay = await store.aggregate({ sinceMs: 0 }, 'day');
    assert.deepEqual(byDay.groups.map((g) => [g.key, g.requests]).sort(), [
      ['2025-01-01', 1],
      ['2025-01-02', 1],
    ]);
    const window = await store.aggregate({ sinceMs: 0, untilMs: Date.UTC(2025, 0, 2) }, 'tier');
    assert.equal(window.totals.requests, 1);
    assert.deepEqual(
      window.groups.map((g) => g.key),
      ['0'],
    );
  });
});
