// Several `pyramid start` processes on one PostgreSQL store behave as one platform: real child processes,
// each with its own PYRAMID_HOME (as on two machines), sharing only the database.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { openPostgresStores } from '../../../src/store/postgres/open-postgres-stores.ts';
import { offlinePyramidYaml } from '../../cli/offline-pyramid-yaml.ts';
import { type FakeModelServer, startFakeModelServer } from '../../fakes/start-fake-model-server.ts';
import { type Started, startPyramid } from '../../gateway/start-pyramid-process.ts';
import { allStarted } from './all-started.ts';
import { type PostgresCluster, postgresUnavailable, startPostgresCluster } from './start-postgres-cluster.ts';

const unavailable = postgresUnavailable();

// One cluster for both suites of this file (a start is an initdb and a server start); each test takes a
// fresh database in it. Started by the first suite that runs, stopped when the file's tests end.
let clusterStarting: Promise<PostgresCluster> | undefined;
const sharedCluster = () => (clusterStarting ??= startPostgresCluster());
after(async () => {
  if (clusterStarting) await (await clusterStarting).stop();
});

type RunRow = {
  id: string;
  status: string;
  trigger: string;
  slot_time: number | null;
  retry_of: string | null;
  lease_owner: string | null;
};

/** Waits for `check` to hold, polling; fails with `what` after a generous deadline. */
async function until(what: string, check: () => Promise<boolean>, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('several pyramid start processes on one PostgreSQL store', { skip: unavailable }, () => {
  let cluster: PostgresCluster;
  let fake: FakeModelServer;
  const homes: string[] = [];
  const children: Started[] = [];
  before(async () => {
    cluster = await sharedCluster();
    fake = await startFakeModelServer({ api: 'openai-completions' });
  });
  after(async () => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
    await Promise.all(children.map((child) => child.exited));
    await fake?.close();
    for (const home of homes) await rm(home, { recursive: true, force: true });
  });

  // The processes start side by side (each start is a Node start and a migration check).
  const startProcesses = (url: string, count: number, jobs: string) =>
    allStarted(
      Array.from({ length: count }, async () => {
        const home = await mkdtemp(join(tmpdir(), 'pyramid-several-'));
        homes.push(home);
        await writeFile(
          join(home, 'pyramid.yaml'),
          `providers:
  fake: { api: openai-completions, baseUrl: "${fake.baseUrl}", apiKey: test }
models:
  m0: { provider: fake, id: m0, cost: { input: 0, output: 0 } }
tiers: [[m0]]
agents:
  - { id: worker, prompt: "Work." }
jobs:
${jobs}
concurrency: { agents: 4 }
scheduler: { minInterval: 1s }
store: { kind: postgres, url: env:DATABASE_URL, lease: 3s }
`,
        );
        const child = await startPyramid({ PYRAMID_HOME: home, DATABASE_URL: url });
        children.push(child);
        return child;
      }),
    );

  test('every slot runs exactly once; kill -9 one mid-run: its run is interrupted when the lease ends and retried once', async () => {
    const url = await cluster.createDatabase();
    const db = new pg.Client({ connectionString: url });
    fake.setDefault({ text: 'done', delayMs: 700 });
    const [first, second] = await startProcesses(
      url,
      2,
      '  - { id: tick, agent: worker, schedule: { every: 1s }, payload: { kind: agentTurn, message: "Go." }, retries: 1, backoff: 100ms }',
    );
    await db.connect();
    try {
      const rows = async () =>
        (
          await db.query<RunRow>(
            'SELECT id, status, trigger, slot_time, retry_of, lease_owner FROM runs ORDER BY queued_at, id',
          )
        ).rows.map((row) => ({ ...row, slot_time: row.slot_time === null ? null : Number(row.slot_time) }));
      const pidOf = (owner: string | null) => Number(owner?.split(':')[1]);
      const pids = [first.child.pid, second.child.pid] as number[];
      // Both processes take runs, then one dies while it runs one.
      await until('both processes running runs, one each at least', async () => {
        const owners = new Set((await rows()).map((row) => pidOf(row.lease_owner)));
        return pids.every((pid) => owners.has(pid));
      });
      let victim: RunRow | undefined;
      await until('a run of the first process running', async () => {
        victim = (await rows()).find(
          (row) => row.status === 'running' && pidOf(row.lease_owner) === first.child.pid,
        );
        return victim !== undefined;
      });
      first.child.kill('SIGKILL');
      await first.exited;
      const victimId = (victim as RunRow).id;
      await until('the dead process run interrupted, and its retry finished', async () => {
        const all = await rows();
        const retry = all.find((row) => row.retry_of === victimId);
        return all.find((row) => row.id === victimId)?.status === 'interrupted' && retry?.status === 'ok';
      });
      // The survivor goes on with the slots for a while, then stops cleanly.
      const count = (await rows()).length;
      await until('more slots after the kill', async () => (await rows()).length >= count + 3);
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0, second.output());

      const all = await rows();
      const victimRow = all.find((row) => row.id === victimId);
      assert.equal(victimRow?.status, 'interrupted');
      assert.equal(
        all.filter((row) => row.retry_of === victimId).length,
        1,
        'retried once, not once per process',
      );
      const slots = all.filter((row) => row.slot_time !== null).map((row) => row.slot_time as number);
      assert.equal(new Set(slots).size, slots.length, 'no slot ran twice');
      const sorted = [...slots].sort((a, b) => a - b);
      const gaps = sorted.slice(1).map((slot, index) => slot - sorted[index]);
      assert.ok(
        gaps.every((gap) => gap === 1000),
        `no slot lost while one process lived: gaps ${JSON.stringify(gaps.filter((gap) => gap !== 1000))}`,
      );
      assert.ok(!all.some((row) => row.status === 'running'), 'nothing left running after the clean stop');
      const failed = all.filter((row) => !['ok', 'interrupted', 'skipped'].includes(row.status));
      assert.deepEqual(failed, [], 'every other run finished ok (or was skipped: its job was still running)');
    } finally {
      await db.end();
    }
  });
});

/** A webhook receiver that takes `delayMs` per message and records every (delivery, chunk) it got, with when. */
async function startSlowWebhook(delayMs: number) {
  const received: { id: string; seq: number; at: number }[] = [];
  const server = createServer(async (request, response) => {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    await sleep(delayMs);
    const { id, seq } = JSON.parse(raw) as { id: string; seq: number };
    received.push({ id, seq, at: Date.now() });
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('deliveries shared by several processes', { skip: unavailable }, () => {
  let cluster: PostgresCluster;
  const homes: string[] = [];
  const children: Started[] = [];
  before(async () => {
    cluster = await sharedCluster();
  });
  after(async () => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
    await Promise.all(children.map((child) => child.exited));
    for (const home of homes) await rm(home, { recursive: true, force: true });
  });

  const setUp = async (deliveries: number) => {
    const hook = await startSlowWebhook(40);
    const url = await cluster.createDatabase();
    const started = await allStarted(
      [0, 1].map(async () => {
        const home = await mkdtemp(join(tmpdir(), 'pyramid-several-deliveries-'));
        homes.push(home);
        await writeFile(
          join(home, 'pyramid.yaml'),
          `${offlinePyramidYaml()}
channels:
  hook: { type: webhook, url: "${hook.url}" }
store: { kind: postgres, url: env:DATABASE_URL, lease: 3s }
`,
        );
        const child = await startPyramid({ PYRAMID_HOME: home, DATABASE_URL: url });
        children.push(child);
        return child;
      }),
    );
    // Queued as a CLI or another process would: straight into the shared outbox, three chunks each, to
    // ten targets (a target's messages go one at a time, in order; different targets go in parallel).
    const stores = await openPostgresStores(url, { migrate: false });
    const now = Date.now();
    await stores.delivery.insert(
      Array.from({ length: deliveries }, (_, index) => ({
        record: {
          id: `d${String(index).padStart(3, '0')}`,
          kind: 'message' as const,
          channel: 'hook',
          channelType: 'webhook' as const,
          to: `target-${index % 10}`,
          state: 'pending' as const,
          chunkCount: 3,
          chunksSent: 0,
          attempts: 0,
          failuresInARow: 0,
          nextAttemptAt: now,
          createdAt: now + index,
          updatedAt: now,
        },
        chunks: [0, 1, 2].map((seq) => JSON.stringify({ id: `d${String(index).padStart(3, '0')}`, seq })),
      })),
    );
    const delivered = async () => (await stores.delivery.list({ state: 'delivered', limit: 1000 })).length;
    return { hook, stores, started, delivered };
  };

  test('two live processes competing for one outbox send every chunk once', async () => {
    const { hook, stores, started, delivered } = await setUp(60);
    try {
      await until('every delivery delivered', async () => (await delivered()) === 60);
      const keys = hook.received.map((entry) => `${entry.id}:${entry.seq}`);
      assert.equal(keys.length, 180);
      assert.equal(new Set(keys).size, 180, 'no chunk sent twice');
      for (const child of started) {
        child.child.kill('SIGTERM');
        assert.equal(await child.exited, 0, child.output());
      }
    } finally {
      await stores.close();
      await hook.close();
    }
  });

  test('kill -9 one mid-delivery: the other takes its deliveries over after the lease; only a chunk in flight at the kill is sent again', async () => {
    const { hook, stores, started, delivered } = await setUp(60);
    try {
      await until('some deliveries delivered', async () => (await delivered()) >= 10);
      // The victim is a process that is sending (one may have claimed the whole backlog).
      const victim = started.find((child) => /"msg":"delivered"/.test(child.output())) as Started;
      const survivor = started.find((child) => child !== victim) as Started;
      const before = (survivor.output().match(/"msg":"delivered"/g) ?? []).length;
      victim.child.kill('SIGKILL');
      await victim.exited;
      const killedAt = Date.now();
      await until('every delivery delivered', async () => (await delivered()) === 60);
      const sends = new Map<string, number[]>();
      for (const entry of hook.received) {
        const key = `${entry.id}:${entry.seq}`;
        sends.set(key, [...(sends.get(key) ?? []), entry.at]);
      }
      assert.equal(sends.size, 180, 'every chunk arrived');
      const twice = [...sends.entries()].filter(([, times]) => times.length > 1);
      for (const [key, times] of twice) {
        assert.equal(times.length, 2, `${key} sent ${times.length} times`);
        assert.ok(times[0] <= killedAt + 100, `${key}: the first send was the killed process's, in flight`);
      }
      // At most one chunk per target was in flight in the killed process.
      assert.ok(twice.length <= 10, `${twice.length} chunks sent again`);
      const after = (survivor.output().match(/"msg":"delivered"/g) ?? []).length;
      assert.ok(after > before, 'the survivor delivered what the killed process held');
    } finally {
      await stores.close();
      await hook.close();
    }
  });
});
