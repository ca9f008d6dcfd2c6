// Spend caps hold across processes: two real `pyramid start` processes on one PostgreSQL store, many
// paid requests at once split across both, and the whole platform never spends past the daily cap.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { type FakeModelServer, startFakeModelServer } from '../../fakes/start-fake-model-server.ts';
import { type Started, startPyramid } from '../../gateway/start-pyramid-process.ts';
import { adminToken } from '../../gateway/start-test-gateway.ts';
import { type PostgresCluster, postgresUnavailable, startPostgresCluster } from './start-postgres-cluster.ts';

const unavailable = postgresUnavailable();

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

  test('40 paid requests at once on two processes against a $0.10 cap: the platform spends at most $0.10', async () => {
    const url = await cluster.createDatabase();
    // Every answer is 100 output tokens at $100 per million: $0.01, exactly its worst case (max_tokens
    // 100, free input). Slow enough that every request holds its reservation while the others ask.
    fake.setDefault({ text: 'paid answer', usage: { input: 10, output: 100 }, delayMs: 400 });
    const started = await Promise.all(
      [0, 1].map(async () => {
        const home = await mkdtemp(join(tmpdir(), 'pyramid-shared-caps-'));
        homes.push(home);
        await writeFile(
          join(home, 'pyramid.yaml'),
          `providers:
  paid: { api: openai-completions, baseUrl: "${fake.baseUrl}", apiKey: test }
models:
  m1: { provider: paid, id: m1, cost: { input: 0, output: 100 } }
tiers: [[m1]]
budgets: { daily: 0.1 }
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
    const ask = async (index: number) => {
      const response = await fetch(`${started[index % 2].url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'auto',
          max_tokens: 100,
          messages: [{ role: 'user', content: `q${index}` }],
        }),
      });
      const body = (await response.json()) as { error?: { code?: string } };
      return { status: response.status, code: body.error?.code };
    };
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
});
