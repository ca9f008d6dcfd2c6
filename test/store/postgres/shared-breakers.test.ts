// Breakers shared by several processes: two real `pyramid start` processes on one PostgreSQL store. A
// model one process finds down is skipped by the other without its calling the dead upstream, and the
// breaker's alerts go out once for the platform.
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

type Health = { models: Record<string, { breaker: { state: string; retryAt?: number } }> };

describe('breakers shared by several processes', { skip: unavailable }, () => {
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

  test('a breaker opened in one process is skipped by the other within about a second; open and close are alerted once', async (t) => {
    const url = await cluster.createDatabase();
    // m0's chat calls fail (its model list answers, so the health probes leave the breakers alone).
    const chatCalls = () =>
      down.requests.filter((request) => request.path.endsWith('/chat/completions')).length;
    let failing = true;
    down.setResponder((request) =>
      failing && request.path.endsWith('/chat/completions') ? { error: 'server' } : undefined,
    );
    down.setDefault({ text: 'm0 again' });
    up.setDefault({ text: 'm1 answers' });
    const [first, second] = await allStarted(
      [0, 1].map(async () => {
        const home = await mkdtemp(join(tmpdir(), 'pyramid-shared-breakers-'));
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
router: { breaker: { failureThreshold: 1, cooldown: 5s } }
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
      const body = (await response.json()) as { pyramid: { request_id: string } };
      return { model: response.headers.get('x-pyramid-model'), id: body.pyramid.request_id };
    };
    const health = async (process: Started) =>
      (await (await fetch(`${process.url}/api/health`, { headers })).json()) as Health;

    // A finds m0 down: its breaker opens, m1 answers.
    assert.equal((await ask(first)).model, 'm1');
    assert.equal(chatCalls(), 1);
    const openedAt = Date.now();
    assert.equal((await health(first)).models.m0.breaker.state, 'open');

    // B learns it from the store, and skips m0 without calling it.
    const seen = await until('the second process seeing the breaker open', async () => {
      const breaker = (await health(second)).models.m0.breaker;
      return breaker.state === 'open' ? breaker : undefined;
    });
    const lagMs = Date.now() - openedAt;
    const answer = await ask(second);
    assert.ok(Date.now() < (seen.retryAt ?? 0), 'asked before the breaker lets a trial call through');
    assert.equal(answer.model, 'm1');
    assert.equal(chatCalls(), 1, 'the second process did not call the dead upstream');
    const detail = (await (await fetch(`${second.url}/api/requests/${answer.id}`, { headers })).json()) as {
      attempts: { model: string }[];
    };
    assert.deepEqual(
      detail.attempts.map((attempt) => attempt.model),
      ['m1'],
      'no attempt on m0: skipped, its breaker open',
    );
    t.diagnostic(`the second process saw the breaker open ${lagMs} ms after the first opened it`);

    // m0 recovers; after the cool-down A's trial call closes the breaker, and B follows.
    failing = false;
    await until('the first process answering on m0 again', async () =>
      (await ask(first)).model === 'm0' ? true : undefined,
    );
    await until('the second process seeing the breaker closed', async () =>
      (await health(second)).models.m0.breaker.state === 'closed' ? true : undefined,
    );
    await until('both alerts delivered', async () =>
      hook.texts.some((text) => text.includes('Breaker closed')) ? true : undefined,
    );
    for (const child of [first, second]) {
      child.child.kill('SIGTERM');
      assert.equal(await child.exited, 0, child.output());
    }
    // Both processes stopped: every alert either of them would ever queue is in the outbox now.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const { rows } = await db.query<{ body: string }>(
        `SELECT c.body FROM deliveries d JOIN delivery_chunks c USING (delivery_id)
         WHERE d.kind = 'alert' ORDER BY d.created_at`,
      );
      const alerts = rows.map((row) => (JSON.parse(row.body) as { text: string }).text.split(' for ')[0]);
      assert.deepEqual(alerts, ['⚠️ **Breaker open**', '✅ **Breaker closed**'], 'each alert queued once');
    } finally {
      await db.end();
    }
    assert.equal(hook.texts.filter((text) => text.includes('Breaker open')).length, 1);
    assert.equal(hook.texts.filter((text) => text.includes('Breaker closed')).length, 1);
  });
});
