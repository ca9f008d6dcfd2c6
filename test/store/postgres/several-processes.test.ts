// Several `pyramid start` processes on one PostgreSQL store behave as one platform: real child processes,
// each with its own PYRAMID_HOME (as on two machines), sharing only the database.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { type FakeModelServer, startFakeModelServer } from '../../fakes/start-fake-model-server.ts';
import { type Started, startPyramid } from '../../gateway/start-pyramid-process.ts';
import { type PostgresCluster, postgresUnavailable, startPostgresCluster } from './start-postgres-cluster.ts';

const unavailable = postgresUnavailable();

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

  const startProcesses = async (url: string, count: number, jobs: string) => {
    const started: Started[] = [];
    for (let index = 0; index < count; index++) {
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
store: { kind: postgres, url: env:DATABASE_URL, lease: 3s }
`,
      );
      const child = await startPyramid({ PYRAMID_HOME: home, DATABASE_URL: url });
      children.push(child);
      started.push(child);
    }
    return started;
  };

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
      const pids = [first.child.pid, second.child.pid];
      // Both processes take runs, then one dies while it runs one.
      await until('both processes running runs, one each at least', async () => {
        const owners = new Set((await rows()).map((row) => pidOf(row.lease_owner)));
        return pids.every((pid) => owners.has(pid));
      });
      let victim: RunRow | undefined;
      await until('a run of the first process running', async () => {
        victim = (await rows()).find((row) => row.status === 'running' && pidOf(row.lease_owner) === first.child.pid);
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
      assert.equal(all.filter((row) => row.retry_of === victimId).length, 1, 'retried once, not once per process');
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
