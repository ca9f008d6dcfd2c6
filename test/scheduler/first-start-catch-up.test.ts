// Issue 14's edge: write commands (`jobs add`, `jobs enable`) run before the first `pyramid start` store
// the config jobs with their next slot; by the first start those slots have passed. A first start has
// nothing to catch up: the store remembers that it was started, and only later starts catch up.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, test } from 'node:test';
import { runPyramid } from '../cli/run-pyramid.ts';
import { waitFor } from '../delivery/wait-for.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { startPyramid } from '../gateway/start-pyramid-process.ts';
import { adminToken, gatewayTestYaml } from '../gateway/start-test-gateway.ts';

let home: string;
let local: FakeModelServer;
let cloud: FakeModelServer;
let env: Record<string, string>;
// Once a day, twelve hours from now: its slots are never within the start's grace window, whatever the
// time of day the test runs.
const daily = `0 ${(new Date().getUTCHours() + 12) % 24} * * *`;
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'pyramid-first-start-'));
  [local, cloud] = await Promise.all([
    startFakeModelServer({ api: 'ollama' }),
    startFakeModelServer({ api: 'openai-completions' }),
  ]);
  await writeFile(
    join(home, 'pyramid.yaml'),
    `${gatewayTestYaml(local, cloud)}
agents:
  - { id: sorter, task: classify, prompt: "Sort the inbox." }
jobs:
  - { id: daily, agent: sorter, schedule: { cron: "${daily}" }, payload: { kind: agentTurn, message: "sort" } }
  - { id: later, agent: sorter, schedule: { cron: "${daily}" }, enabled: false, payload: { kind: agentTurn, message: "tidy" } }
`,
  );
  env = {
    PYRAMID_HOME: home,
    ADMIN_TOKEN: adminToken,
    CLIENT_TOKEN: 'pyr_unused_client_token_000000',
    CLOUD_KEY: 'sk-cloud-secret-value-123',
  };
});
after(async () => {
  await Promise.all([local.close(), cloud.close()]);
  await rm(home, { recursive: true, force: true });
});

/** Reads pyramid.db on a connection of its own. */
function query<T>(sql: string): T[] {
  const db = new DatabaseSync(join(home, 'pyramid.db'));
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

/** As if the jobs' stored next slots were written two days ago: they have all passed, by about 36 h. */
const twoDaysLater = () => query('UPDATE jobs SET next_run_at = next_run_at - 172800000 RETURNING id');

/** Starts pyramid start, waits until every job's next slot is in the future (its start fired what was due), stops it. */
async function startAndSettle() {
  const started = await startPyramid(env);
  try {
    await waitFor(
      () =>
        query<{ n: number }>('SELECT COUNT(*) AS n FROM jobs WHERE next_run_at < unixepoch() * 1000')[0].n ===
        0,
      30_000,
      'the start to move every next slot past now',
    );
    return started.output();
  } finally {
    started.child.kill('SIGTERM');
    await started.exited;
  }
}

test('config jobs stored by jobs add and jobs enable before the first start are not caught up at the first start; a later start catches up', async () => {
  const added = await runPyramid(
    ['jobs', 'add', 'added', '--agent', 'sorter', '--cron', daily, '--message', 'extra'],
    env,
  );
  assert.equal(added.code, 0, added.stderr);
  const enabled = await runPyramid(['jobs', 'enable', 'later'], env);
  assert.equal(enabled.code, 0, enabled.stderr);
  assert.deepEqual(
    query<{ id: string }>('SELECT id FROM jobs ORDER BY id').map((row) => row.id),
    ['added', 'daily', 'later'],
    'the write commands stored the config jobs with their slots',
  );
  twoDaysLater();

  const first = await startAndSettle();
  assert.deepEqual(query('SELECT id, job_id, trigger FROM runs'), [], 'the first start ran nothing');
  assert.doesNotMatch(first, /resuming work left in the store/);

  // A later start after downtime catches up a missed slot, as before.
  twoDaysLater();
  await startAndSettle();
  const caughtUp = query<{ job_id: string; trigger: string }>(
    "SELECT job_id, trigger FROM runs WHERE trigger = 'catch-up' ORDER BY job_id",
  ).map((row) => row.job_id);
  assert.deepEqual(caughtUp, ['added', 'daily', 'later'], 'slots missed during downtime are caught up');
});
