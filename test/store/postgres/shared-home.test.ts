// Several `pyramid start` processes on one PyramidHome and one config when the store is PostgreSQL:
// no one-instance guard, one generated admin token, and every process listed by each (real children).
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { offlinePyramidYaml } from '../../cli/offline-pyramid-yaml.ts';
import { runPyramid } from '../../cli/run-pyramid.ts';
import { type Started, startPyramid } from '../../gateway/start-pyramid-process.ts';
import { type PostgresCluster, postgresUnavailable, startPostgresCluster } from './start-postgres-cluster.ts';

const unavailable = postgresUnavailable();

type Listed = { processes: { pid: number; address: string | null; self: boolean; host: string }[] };

/** Waits for `check` to hold, polling; fails with `what` after a generous deadline. */
async function until(what: string, check: () => Promise<boolean>, deadlineMs = 90_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('pyramid start on a PostgreSQL store: several processes share one home', {
  skip: unavailable,
}, () => {
  let cluster: PostgresCluster;
  let home: string;
  const children: Started[] = [];
  before(async () => {
    cluster = await startPostgresCluster();
    home = await mkdtemp(join(tmpdir(), 'pyramid-shared-home-'));
  });
  after(async () => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
    await Promise.all(children.map((child) => child.exited));
    await cluster?.stop();
    await rm(home, { recursive: true, force: true });
  });

  test('two starts on one home both run (one admin token); each lists both; a clean stop leaves the list at once, a kill -9 after the lease', async () => {
    const url = await cluster.createDatabase();
    await writeFile(
      join(home, 'pyramid.yaml'),
      offlinePyramidYaml(
        'gateway: { probeInterval: 1h }\nstore: { kind: postgres, url: env:DATABASE_URL, lease: 3s }',
      ),
    );
    const env = { PYRAMID_HOME: home, DATABASE_URL: url };
    // At the same moment: neither is refused, and they agree on one generated admin token.
    const [first, second] = await Promise.all([startPyramid(env), startPyramid(env)]);
    children.push(first, second);
    assert.doesNotMatch(first.output() + second.output(), /another pyramid start is running/);
    assert.deepEqual(
      (await readdir(home)).filter((name) => name.startsWith('credentials')),
      ['credentials'],
    );
    const list = async (from: Started) => {
      const run = await runPyramid(['status', '--url', from.url, '--json'], env);
      assert.equal(run.code, 0, run.stderr);
      return (JSON.parse(run.stdout) as Listed).processes;
    };
    // Polling goes straight to the API (a CLI start per poll is slow on a loaded machine).
    const token = (
      JSON.parse(await readFile(join(home, 'credentials'), 'utf8')) as { tokens: { token: string }[] }
    ).tokens[0].token;
    const fetchList = async (from: Started) => {
      const response = await fetch(`${from.url}/api/processes`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 200);
      return ((await response.json()) as Listed).processes;
    };
    const pids = [first.child.pid, second.child.pid].sort();
    for (const from of [first, second]) {
      const processes = await list(from);
      assert.deepEqual(processes.map((process) => process.pid).sort(), pids);
      assert.deepEqual(
        processes.filter((process) => process.self).map((process) => process.address),
        [from.url],
      );
    }
    const human = await runPyramid(['status', '--url', first.url], env);
    assert.match(human.stdout, new RegExp(`\\(this one\\) +${first.child.pid} `));
    assert.match(human.stdout, new RegExp(` ${second.child.pid} +\\S+ +\\S+ +${second.url} `));

    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output());
    assert.deepEqual(
      (await fetchList(first)).map((process) => process.pid),
      [first.child.pid],
      'a clean stop deregisters',
    );

    const third = await startPyramid(env);
    children.push(third);
    assert.equal((await fetchList(first)).length, 2);
    third.child.kill('SIGKILL');
    await third.exited;
    // No deregistration: it drops off once its heartbeat is older than the stale time (15 s here).
    await until(
      'the killed process dropped from the list',
      async () => (await fetchList(first)).length === 1,
    );
    assert.equal((await list(first))[0].pid, first.child.pid);
  });
});
