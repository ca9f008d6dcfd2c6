// `pyramid store copy`: a SQLite installation into PostgreSQL and back, through the real CLI, with a
// throwaway cluster. The copies answer `pyramid usage --json` and the store interfaces as the original.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Stores } from '../../../src/contracts/stores.ts';
import { openInlineStores } from '../../../src/store/index.ts';
import { openPostgresStores } from '../../../src/store/postgres/open-postgres-stores.ts';
import { offlinePyramidYaml } from '../../cli/offline-pyramid-yaml.ts';
import { runPyramid } from '../../cli/run-pyramid.ts';
import { runRecord } from '../../scheduler/run-record.ts';
import { testJob } from '../../scheduler/scheduler-harness.ts';
import { type PostgresCluster, postgresUnavailable, startPostgresCluster } from './start-postgres-cluster.ts';

const unavailable = postgresUnavailable();
const requests = 2500;

/** Fills a store with some of everything; costs are multiples of 1/1024 USD, which doubles add exactly. */
async function seed(stores: Stores, now: number): Promise<void> {
  for (let index = 0; index < requests; index++) {
    const startedAt = now - 3_600_000 + index * 100;
    const tier = index % 4;
    const cost = (index % 7) / 1024;
    const attempt = (seq: number, outcome: string, answered: boolean, costUsd: number) => ({
      model: `m${tier}`,
      provider: 'p',
      tier,
      outcome,
      ...(outcome === 'ok' ? {} : { reason: 'provider failure' }),
      startedAt: startedAt + seq,
      latencyMs: 10 + seq,
      maxTokens: 1000,
      usage: { input: 100 + index, output: 50, reasoning: 0, cachedInput: 0 },
      costUsd,
      answered,
      cloudOnlyCostUsd: costUsd * 2,
      topTierCostUsd: costUsd * 4,
      cheapestCloudCostUsd: costUsd * 2,
    });
    await stores.ledger.insert(
      {
        requestId: `req-${index}`,
        task: 'classify',
        resolvedTask: index % 3 === 0 ? 'summarize' : 'classify',
        ...(index % 5 === 0 ? { callerTag: 'agent-a' } : {}),
        startedAt,
        finishedAt: startedAt + 20,
        outcome: 'ok',
        model: `m${tier}`,
        tier,
        usage: { input: 100 + index, output: 50, reasoning: 0, cachedInput: 0 },
        costUsd: cost,
        cloudOnlyCostUsd: cost * 2,
        startTier: 0,
        topTierCostUsd: cost * 4,
        cheapestCloudCostUsd: cost * 2,
      } as never,
      (index % 2 === 0
        ? [attempt(0, 'error', false, 0), attempt(1, 'ok', true, cost)]
        : [attempt(0, 'ok', true, cost)]) as never,
    );
  }
  await stores.scheduler.putJob({
    id: 'nightly',
    source: 'store',
    definition: testJob('nightly', 'worker', { kind: 'every', everyMs: 60_000 }),
    nextRunAt: now + 60_000,
    createdAt: now,
    updatedAt: now,
  });
  await stores.scheduler.insertRun(
    runRecord('run-1', 'ok', now - 1000, { jobId: 'nightly', output: 'done', noReply: true, costUsd: 1 / 8 }),
  );
  await stores.sessions.ensure({
    id: 's1',
    kind: 'isolated',
    agentId: 'worker',
    runId: 'run-1',
    createdAt: now,
  });
  await stores.sessions.append('s1', [{ role: 'user', content: 'go' }], now);
  await stores.sessions.remember('worker', 'k', 'v', now);
  await stores.delivery.insert([
    {
      record: {
        id: 'd1',
        kind: 'run',
        runId: 'run-1',
        channel: 'ops',
        channelType: 'telegram',
        to: '42',
        state: 'pending',
        chunkCount: 2,
        chunksSent: 0,
        attempts: 0,
        failuresInARow: 0,
        nextAttemptAt: now,
        createdAt: now,
        updatedAt: now,
      },
      chunks: ['first', 'second'],
    },
  ]);
  await stores.responses.put({
    id: 'resp_1',
    createdAt: now,
    conversation: [{ role: 'user', content: 'hi' }],
    response: { id: 'resp_1', n: 0.1 },
  });
  await stores.processes.register({
    id: 'box:1:x',
    host: 'box',
    pid: 1,
    version: '0',
    startedAt: now,
    address: null,
    heartbeatAt: now,
  });
}

/** What the store interfaces read back of the seeded rows (the same on every copy). */
async function readBack(stores: Stores) {
  return {
    first: await stores.ledger.get('req-0'),
    last: await stores.ledger.get(`req-${requests - 1}`),
    job: await stores.scheduler.getJob('nightly'),
    run: await stores.scheduler.getRun('run-1'),
    messages: await stores.sessions.messages('s1'),
    notes: await stores.sessions.recall('worker'),
    delivery: await stores.delivery.get('d1'),
    chunks: await stores.delivery.chunks('d1'),
    response: await stores.responses.get('resp_1'),
    processes: await stores.processes.list(0),
  };
}

describe('pyramid store copy', { skip: unavailable }, () => {
  let cluster: PostgresCluster;
  const folders: string[] = [];
  const home = async (store: string) => {
    const folder = await mkdtemp(join(tmpdir(), 'pyramid-copy-'));
    folders.push(folder);
    await writeFile(join(folder, 'pyramid.yaml'), offlinePyramidYaml(store));
    return folder;
  };
  before(async () => {
    cluster = await startPostgresCluster();
  });
  after(async () => {
    await cluster?.stop();
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });

  test('SQLite -> PostgreSQL -> SQLite: batched, progress lines, a non-empty target refused unless --force, the same usage and rows', async () => {
    const now = Date.now();
    // One window for every report (a duration would move with the clock between them).
    const since = new Date(Math.floor((now - 7_200_000) / 60_000) * 60_000).toISOString().slice(0, 16);
    const sqliteHome = await home('');
    const original = openInlineStores(join(sqliteHome, 'pyramid.db'));
    await seed(original, now);
    const expected = await readBack(original);
    await original.close();
    const usage = async (env: Record<string, string>, by: string) => {
      const run = await runPyramid(['usage', '--json', '--by', by, '--since', since], env);
      assert.equal(run.code, 0, run.stderr);
      return JSON.parse(run.stdout);
    };
    const sqliteEnv = { PYRAMID_HOME: sqliteHome };
    // Each report is its own CLI child: the two of a store run side by side.
    const reports = (env: Record<string, string>) => Promise.all([usage(env, 'tier'), usage(env, 'task')]);
    const usageBefore = await reports(sqliteEnv);
    assert.equal(usageBefore[0].totals.requests, requests);

    const url = await cluster.createDatabase();
    const copied = await runPyramid(['store', 'copy', '--to', 'env:TARGET_URL', '--json'], {
      ...sqliteEnv,
      TARGET_URL: url,
    });
    assert.equal(copied.code, 0, copied.stderr);
    const report = JSON.parse(copied.stdout) as { tables: { table: string; rows: number }[]; rows: number };
    const rows = Object.fromEntries(report.tables.map((entry) => [entry.table, entry.rows]));
    assert.deepEqual(
      [rows.requests, rows.attempts, rows.runs, rows.delivery_chunks, rows.processes],
      [requests, Math.ceil(requests / 2) + requests, 1, 2, undefined],
    );
    // Not a terminal: progress lines on stderr, one per table, and the batches of the big ones.
    assert.match(copied.stderr, /copying requests: 2500 rows\n/);
    assert.match(copied.stderr, /copied attempts: 3750 rows \(\d+\/\d+ in all\)\n/);
    assert.doesNotMatch(copied.stderr, /\r/);

    const again = await runPyramid(['store', 'copy', '--to', url], sqliteEnv);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already holds rows: requests \(2500\), attempts \(3750\).*pass --force/);
    const forced = await runPyramid(['store', 'copy', '--to', url, '--force'], sqliteEnv);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /copied \d+ rows in \d+ tables .* row counts match/);

    const postgresHome = await home('store: { kind: postgres, url: env:DATABASE_URL }');
    const postgresEnv = { PYRAMID_HOME: postgresHome, DATABASE_URL: url };
    assert.deepEqual(await reports(postgresEnv), usageBefore);
    const onPostgres = await openPostgresStores(url);
    try {
      assert.deepEqual(await readBack(onPostgres), { ...expected, processes: [] });
    } finally {
      await onPostgres.close();
    }

    // And back into a fresh pyramid.db: its hourly rollups are rebuilt as the ledger's rows go in.
    const backHome = await home('');
    const back = await runPyramid(['store', 'copy', '--to', join(backHome, 'pyramid.db')], postgresEnv);
    assert.equal(back.code, 0, back.stderr);
    const backEnv = { PYRAMID_HOME: backHome };
    assert.deepEqual(await reports(backEnv), usageBefore);
    const onSqlite = openInlineStores(join(backHome, 'pyramid.db'));
    try {
      assert.deepEqual(await readBack(onSqlite), { ...expected, processes: [] });
    } finally {
      await onSqlite.close();
    }

    const itself = await runPyramid(['store', 'copy', '--to', join(sqliteHome, 'pyramid.db')], sqliteEnv);
    assert.equal(itself.code, 64);
    assert.match(itself.stderr, /names the configured store itself/);
  });
});
