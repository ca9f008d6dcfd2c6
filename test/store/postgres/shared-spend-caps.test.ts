// Spend caps hold across processes: two real `pyramid start` processes on one PostgreSQL store, many
// paid requests at once split across both, and the whole platform never spends past the daily cap.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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

/** Waits for `check` to hold, polling; fails with `what` after a generous deadline. */
async function until(what: string, check: () => Promise<boolean>, deadlineMs = 60_000): Promise<true> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
  return true;
}

describe('spend caps shared by several processes', { skip: unavailable }, () => {
  let cluster: PostgresCluster;
  let fake: FakeModelServer;
  const homes: string[] = [];
  const children: Started[] = [];
  before(async () => {
    cluster = await startPostgresCluster();
    fake = await startFakeModelServer({ api: 'openai-completions' });
  });
  after(async () => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
    await Promise.all(children.map((child) => child.exited));
    await fake?.close();
    await cluster?.stop();
    for (const home of homes) await rm(home, { recursive: true, force: true });
  });

  /** Two processes with their own homes on `url`, one paid model ($0.01 an answer) under a daily `cap`. */
  const startTwo = (
    url: string,
    { cap, lease, total = '300s' }: { cap: number; lease: string; total?: string },
  ) =>
    allStarted(
      [0, 1].map(async () => {
        const home = await mkdtemp(join(tmpdir(), 'pyramid-shared-caps-'));
        homes.push(home);
        await writeFile(
          join(home, 'pyramid.yaml'),
          `providers:
  paid: { api: openai-completions, baseUrl: "${fake.baseUrl}", apiKey: test, timeouts: { connect: ${total}, firstToken: ${total}, total: ${total} } }
models:
  m1: { provider: paid, id: m1, cost: { input: 0, output: 100 } }
tiers: [[m1]]
budgets: { daily: ${cap} }
gateway:
  probeInterval: 1h
  auth: { tokens: [{ name: ops, token: "env:ADMIN_TOKEN", scopes: [admin] }] }
store: { kind: postgres, url: env:DATABASE_URL, lease: ${lease} }
`,
        );
        const child = await startPyramid({ PYRAMID_HOME: home, DATABASE_URL: url, ADMIN_TOKEN: adminToken });
        children.push(child);
        return child;
      }),
    );

  /** A paid request (worst case $0.01): its status and error code. */
  const askPaid = async (process: Started, content: string) => {
    const response = await fetch(`${process.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', max_tokens: 100, messages: [{ role: 'user', content }] }),
    });
    const body = (await response.json()) as { error?: { code?: string } };
    return { status: response.status, code: body.error?.code };
  };

  test('40 paid requests at once on two processes against a $0.10 cap: the platform spends at most $0.10', async () => {
    const url = await cluster.createDatabase();
    // Every answer is 100 output tokens at $100 per million: $0.01, exactly its worst case (max_tokens
    // 100, free input). Slow enough that every request holds its reservation while the others ask.
    fake.setDefault({ text: 'paid answer', usage: { input: 10, output: 100 }, delayMs: 400 });
    const started = await startTwo(url, { cap: 0.1, lease: '3s' });
    const ask = (index: number) => askPaid(started[index % 2], `q${index}`);
    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, index) => ask(index)));
    const answered = outcomes.filter((outcome) => outcome.status === 200).length;
    const refused = outcomes.filter((outcome) => outcome.code === 'budget_exceeded').length;
    assert.equal(answered + refused, 40, JSON.stringify(outcomes));

    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const { rows } = await db.query<{ spent: string; paid: string }>(
        'SELECT SUM(cost_usd::numeric)::text AS spent, COUNT(*) FILTER (WHERE cost_usd > 0)::text AS paid FROM requests',
      );
      const spent = Number(rows[0].spent);
      assert.ok(spent <= 0.1 + 1e-9, `the platform spent $${spent} against a $0.10 cap`);
      assert.equal(Number(rows[0].paid), answered);
      // The cap is used, not refused wholesale: every cent of it but rounding is spent.
      assert.ok(answered >= 9, `${answered} answered`);
      const holds = await db.query<{ n: string }>('SELECT COUNT(*)::text AS n FROM spend_reservations');
      assert.equal(Number(holds.rows[0].n), 0, 'every hold was settled');
    } finally {
      await db.end();
    }
    for (const child of started) {
      child.child.kill('SIGTERM');
      assert.equal(await child.exited, 0, child.output());
    }
  });

  test('kill -9 a process holding the whole cap: the other is refused until the dead holds lapse, then spends', async () => {
    const url = await cluster.createDatabase();
    // The first process's calls hang upstream, so it holds its reservations until it is killed.
    let hanging = true;
    fake.setResponder(() => (hanging ? { hang: true } : undefined));
    fake.setDefault({ text: 'paid answer', usage: { input: 10, output: 100 } });
    const [holder, other] = await startTwo(url, { cap: 0.03, lease: '1s', total: '4s' });
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const held = async () =>
        Number(
          (await db.query<{ n: string }>('SELECT COUNT(*)::text AS n FROM spend_reservations')).rows[0].n,
        );
      const hung = [0, 1, 2].map((index) => askPaid(holder, `hold ${index}`).catch(() => undefined));
      await until('three holds in the database', async () => (await held()) === 3);
      assert.deepEqual(await askPaid(other, 'refused'), { status: 429, code: 'budget_exceeded' });
      holder.child.kill('SIGKILL');
      await holder.exited;
      await Promise.all(hung);
      hanging = false;
      // Refused while the dead holds count (their calls could still be running: total 4 s, lease 1 s).
      const answered = await until(
        'the other process answering once the dead holds lapsed',
        async () => (await askPaid(other, 'after')).status === 200,
      );
      assert.ok(answered);
      const spent = await db.query<{ spent: number }>('SELECT SUM(cost_usd) AS spent FROM requests');
      assert.ok(Number(spent.rows[0].spent) <= 0.03 + 1e-9);
    } finally {
      await db.end();
      fake.setResponder(() => undefined);
    }
  });
});
