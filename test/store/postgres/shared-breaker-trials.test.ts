// A half-open trial is the platform's, not each process's: when a shared breaker's cool-down ends, one
// of two real `pyramid start` processes on one PostgreSQL store sends the trial call; the other keeps
// skipping the model until the trial's result is shared (a failed trial reopens the breaker on both,
// with its doubled cool-down, and alerts nothing new).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { type FakeModelServer, startFakeModelServer } from '../../fakes/start-fake-model-server.ts';
import { type Started, startPyramid } from '../../gateway/start-pyramid-process.ts';
import { adminToken } from '../../gateway/start-test-gateway.ts';
import { allStarted } from './all-started.ts';
import { type PostgresCluster, postgresUnavailable, startPostgresCluster } from './start-postgres-cluster.ts';

const unavailable = postgresUnavailable();

async function until<T>(what: string, check: () => Promise<T | undefined>, deadlineMs = 60_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A webhook receiver that keeps the text of every message it got. */
async function startWebhook() {
  const texts: string[] = [];
  const server = createServer(async (request, response) => {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    texts.push((JSON.parse(raw) as { text: string }).text);
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    texts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Breaker = { state: string; retryAt?: number; cooldownMs: number };
type Health = { models: Record<string, { breaker: Breaker }> };

describe('half-open trials shared by several processes', { skip: unavailable }, () => {
  let cluster: PostgresCluster;
  let down: FakeModelServer;
  let up: FakeModelServer;
  let hook: Awaited<ReturnType<typeof startWebhook>>;
  const homes: string[] = [];
  const children: Started[] = [];
  before(async () => {
    cluster = await startPostgresCluster();
    [down, up, hook] = await Promise.all([
      startFakeModelServer({ api: 'openai-completions' }),
      startFakeModelServer({ api: 'openai-completions' }),
      startWebhook(),
    ]);
  });
  after(async () => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
    await Promise.all(children.map((child) => child.exited));
    await Promise.all([down?.close(), up?.close(), hook?.close()]);
    await cluster?.stop();
    for (const home of homes) await rm(home, { recursive: true, force: true });
  });

  test('20 requests on two processes after the cool-down: one trial call for the platform; its failure reopens the breaker on both', async () => {
    const url = await cluster.createDatabase();
    const chatCalls = () =>
      down.requests.filter((request) => request.path.endsWith('/chat/completions')).length;
    // m0's chat calls fail; a trial call waits for the test to let it fail (its model list answers, so the
    // health probes leave the breakers alone).
    let letTrialFail: () => void = () => {};
    let trial: Promise<void> | undefined;
    down.setResponder((request) => {
      if (!request.path.endsWith('/chat/completions')) return undefined;
      return trial ? { error: 'server', release: trial } : { error: 'server' };
    });
    up.setDefault({ text: 'm1 answers' });
    const [first, second] = await allStarted(
      [0, 1].map(async () => {
        const home = await mkdtemp(join(tmpdir(), 'pyramid-shared-trials-'));
        homes.push(home);
        await writeFile(
          join(home, 'pyramid.yaml'),
          `providers:
  down: { api: openai-completions, baseUrl: "${down.baseUrl}", apiKey: test }
  up: { api: openai-completions, baseUrl: "${up.baseUrl}", apiKey: test }
models:
  m0: { provider: down, id: m0, cost: { input: 0, output: 0 } }
  m1: { provider: up, id: m1, cost: { input: 0, output: 0 } }
tiers: [[m0, m1]]
router: { breaker: { failureThreshold: 1, cooldown: 1s, maxCooldown: 1h } }
channels:
  hook: { type: webhook, url: "${hook.url}" }
alerts: { targets: [hook], settle: 1ms }
gateway:
  probeInterval: 1h
  auth: { tokens: [{ name: ops, token: "env:ADMIN_TOKEN", scopes: [admin] }] }
store: { kind: postgres, url: env:DATABASE_URL, lease: 3s }
`,
        );
        const child = await startPyramid({ PYRAMID_HOME: home, DATABASE_URL: url, ADMIN_TOKEN: adminToken });
        children.push(child);
        return child;
      }),
    );
    const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
    const ask = async (process: Started) => {
      const response = await fetch(`${process.url}/v1/chat/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }),
      });
      assert.equal(response.status, 200, await response.clone().text());
      return response.headers.get('x-pyramid-model');
    };
    const breaker = async (process: Started) =>
      ((await (await fetch(`${process.url}/api/health`, { headers })).json()) as Health).models.m0.breaker;

    // A finds m0 down; B learns it from the store.
    assert.equal(await ask(first), 'm1');
    assert.equal(chatCalls(), 1);
    const opened = await until('the second process seeing the breaker open', async () => {
      const seen = await breaker(second);
      return seen.state === 'open' ? seen : undefined;
    });
    // Past the cool-down, m0 still down: its trial call hangs until the test lets it fail.
    trial = new Promise<void>((resolve) => {
      letTrialFail = resolve;
    });
    await sleep(Math.max(0, (opened.retryAt ?? 0) - Date.now()) + 100);
    let answered = 0;
    const asked = Array.from({ length: 20 }, (_, index) =>
      ask(index % 2 === 0 ? first : second).then((model) => {
        answered += 1;
        return model;
      }),
    );
    // Every request answers from m1 without waiting, but the ones whose trial call is held: each
    // process skips m0 while a trial is out anywhere.
    const trials = () => chatCalls() - 1;
    try {
      await until('every request answered or held in a trial call', async () =>
        answered + trials() >= 20 ? true : undefined,
      );
      assert.equal(trials(), 1, 'one trial call for the platform, not one per process');
      assert.equal(answered, 19);
    } finally {
      letTrialFail();
    }
    assert.deepEqual(new Set(await Promise.all(asked)), new Set(['m1']));
    assert.equal(chatCalls(), 2);
    // The failed trial reopened the breaker for the platform: both processes show the same new retry
    // time, the cool-down doubled, and neither calls m0 before it.
    const reopened = await until('both processes showing the reopened breaker', async () => {
      const [a, b] = await Promise.all([breaker(first), breaker(second)]);
      return a.state === 'open' &&
        b.state === 'open' &&
        a.retryAt === b.retryAt &&
        (a.retryAt ?? 0) > (opened.retryAt ?? 0)
        ? a
        : undefined;
    });
    assert.ok(Date.now() < (reopened.retryAt ?? 0), 'still before the doubled cool-down ends');
    assert.deepEqual([await ask(first), await ask(second)], ['m1', 'm1']);
    assert.equal(chatCalls(), 2, 'skipped on both until the next trial');

    for (const child of [first, second]) {
      child.child.kill('SIGTERM');
      assert.equal(await child.exited, 0, child.output());
    }
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const { rows } = await db.query<{ body: string }>(
        `SELECT c.body FROM deliveries d JOIN delivery_chunks c USING (delivery_id)
         WHERE d.kind = 'alert' ORDER BY d.created_at`,
      );
      const alerts = rows.map((row) => (JSON.parse(row.body) as { text: string }).text.split(' for ')[0]);
      assert.deepEqual(alerts, ['⚠️ **Breaker open**'], 'one open alert: a reopening is the same outage');
    } finally {
      await db.end();
    }
  });
});
