// An agent's spendCap holds across processes: two real `pyramid start` processes on one PostgreSQL
// store run one agent's jobs at once, every model call of its runs reserves against the agent's cap in
// the database, and the agent never spends past it; the runs past it are refused, and say so.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { type FakeModelServer, startFakeModelServer } from '../../fakes/start-fake-model-server.ts';
import { type Started, startPyramid } from '../../gateway/start-pyramid-process.ts';
import { allStarted } from './all-started.ts';
import { type PostgresCluster, postgresUnavailable, startPostgresCluster } from './start-postgres-cluster.ts';

const unavailable = postgresUnavailable();

/** Waits for `check` to hold, polling; fails with `what` after a generous deadline. */
async function until(what: string, check: () => Promise<boolean>, deadlineMs = 90_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

type RunRow = { status: string; error: string | null; cost_usd: number };
type RequestRow = { outcome: string; error_code: string | null; cost_usd: number };

describe("an agent's spend cap shared by several processes", { skip: unavailable }, () => {
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

  test("8 jobs of one agent every second on two processes against its $0.10 spendCap: the agent's ledger spend stays at most $0.10", async () => {
    const url = await cluster.createDatabase();
    // Every answer is 100 output tokens at $100 per million: $0.01, exactly its worst case (the model's
    // maxTokens 100, free input). Slow enough that the runs of one second overlap on both processes.
    fake.setDefault({ text: 'done', usage: { input: 10, output: 100 }, delayMs: 400 });
    const jobs = Array.from(
      { length: 8 },
      (_, index) =>
        `  - { id: j${index}, agent: capped, schedule: { every: 1s }, payload: { kind: agentTurn, message: "Go ${index}." } }`,
    ).join('\n');
    const started = await allStarted(
      [0, 1].map(async () => {
        const home = await mkdtemp(join(tmpdir(), 'pyramid-agent-caps-'));
        homes.push(home);
        await writeFile(
          join(home, 'pyramid.yaml'),
          `providers:
  paid: { api: openai-completions, baseUrl: "${fake.baseUrl}", apiKey: test }
models:
  m1: { provider: paid, id: m1, cost: { input: 0, output: 100 }, maxTokens: 100 }
tiers: [[m1]]
agents:
  - { id: capped, prompt: "Work.", spendCap: 0.1 }
jobs:
${jobs}
concurrency: { agents: 8 }
scheduler: { minInterval: 1s }
gateway: { probeInterval: 1h }
store: { kind: postgres, url: env:DATABASE_URL, lease: 3s }
`,
        );
        const child = await startPyramid({ PYRAMID_HOME: home, DATABASE_URL: url });
        children.push(child);
        return child;
      }),
    );
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const runs = async () =>
        (await db.query<RunRow>("SELECT status, error, cost_usd FROM runs WHERE agent_id = 'capped'")).rows;
      const refusedRun = (run: RunRow) =>
        run.status === 'error' && /^(budget_exceeded|agent_spend_cap): /.test(run.error ?? '');
      await until(
        '16 runs of the agent refused at its cap',
        async () => (await runs()).filter(refusedRun).length >= 16,
      );
      for (const child of started) {
        child.child.kill('SIGTERM');
        assert.equal(await child.exited, 0, child.output());
      }

      const requests = (
        await db.query<RequestRow>(
          "SELECT outcome, error_code, cost_usd FROM requests WHERE caller_tag = 'capped'",
        )
      ).rows;
      const spent = requests.reduce((sum, row) => sum + row.cost_usd, 0);
      assert.ok(spent <= 0.1 + 1e-9, `the agent spent $${spent} against its $0.10 cap`);
      const paid = requests.filter((row) => row.outcome === 'ok');
      assert.ok(paid.length >= 9, `${paid.length} calls answered: the cap is used, not refused wholesale`);
      assert.ok(paid.every((row) => Math.abs(row.cost_usd - 0.01) < 1e-9));
      // A call the router refused is one ledger row, costing nothing, coded budget_exceeded.
      const refusedCalls = requests.filter((row) => row.outcome === 'error');
      assert.ok(
        refusedCalls.every((row) => row.error_code === 'budget_exceeded' && row.cost_usd === 0),
        JSON.stringify(refusedCalls),
      );

      const all = await runs();
      const ok = all.filter((run) => run.status === 'ok');
      assert.equal(ok.length, paid.length, 'each answered call is one run that succeeded');
      const refused = all.filter(refusedRun);
      assert.equal(
        refused.filter((run) => run.error?.startsWith('budget_exceeded: ')).length,
        refusedCalls.length,
        'each call refused by the router is one run refused',
      );
      assert.ok(
        refused.every(
          (run) =>
            run.cost_usd === 0 &&
            /^budget_exceeded: daily budget for agent "capped" reached: |^agent_spend_cap: agent capped reached its spend cap of \$0\.1 for today/.test(
              run.error ?? '',
            ),
        ),
        JSON.stringify(refused.slice(0, 3)),
      );
      // Nothing else ended those runs: every run finished answered, refused, or stopped by the SIGTERM.
      const others = all.filter(
        (run) => run.status !== 'ok' && !refusedRun(run) && run.status !== 'interrupted',
      );
      assert.deepEqual(
        others.filter((run) => run.status !== 'queued'),
        [],
      );
    } finally {
      await db.end();
    }
  });
});
