import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { type Started, startPyramid } from '../gateway/start-pyramid-process.ts';
import { runPyramid } from './run-pyramid.ts';

describe('pyramid status asks the running pyramid start', () => {
  let home: string;
  let local: FakeModelServer;
  let started: Started;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-status-'));
    local = await startFakeModelServer({ api: 'ollama' });
    await writeFile(
      join(home, 'pyramid.yaml'),
      `
providers:
  local: { api: ollama, baseUrl: "${local.baseUrl}" }
  cloud: { api: openai-completions, baseUrl: "http://127.0.0.1:9/v1", apiKey: "env:PYRAMID_TEST_NO_KEY" }
models:
  small: { provider: local, id: "small", cost: { input: 0, output: 0 } }
  large: { provider: cloud, id: "large", cost: { input: 1, output: 2 } }
tiers:
  - [small]
  - [large]
`,
    );
    // No tokens configured: the admin token is generated into $PYRAMID_HOME/credentials, where status finds it.
    started = await startPyramid({ PYRAMID_HOME: home });
  });
  after(async () => {
    if (started.child.exitCode === null) {
      started.child.kill('SIGTERM');
      await started.exited;
    }
    await local.close();
    await rm(home, { recursive: true, force: true });
  });

  test('prints health, providers with why, breakers, runs and deliveries; --json has the same', async () => {
    const run = await runPyramid(['status', '--url', started.url], { PYRAMID_HOME: home });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(`^pyramid \\d+\\.\\d+\\.\\d+ at ${started.url}: degraded, up \\d+m \\d+s\\n`),
    );
    assert.match(run.stdout, /local +reachable +\d+ ms/);
    assert.match(run.stdout, /cloud +\S.* env:PYRAMID_TEST_NO_KEY is not set/);
    assert.match(run.stdout, /small +0 +yes +closed/);
    // The live processes on the store: this one, with its pid, version and address.
    assert.match(
      run.stdout,
      new RegExp(`\\(this one\\) +${started.child.pid} +\\d+\\.\\d+\\.\\d+ +\\S+ +${started.url} `),
    );
    assert.match(
      run.stdout,
      /runs: 0 running, 0 queued · deliveries: 0 pending, 0 failed in the last 24 h\n$/,
    );
    const json = await runPyramid(['status', '--url', started.url, '--json'], { PYRAMID_HOME: home });
    const report = JSON.parse(json.stdout);
    assert.equal(report.models.large.available, false);
    assert.deepEqual(report.runs, { running: 0, queued: 0 });
    assert.equal(report.processes.length, 1);
    assert.deepEqual(
      [report.processes[0].pid, report.processes[0].address, report.processes[0].self],
      [started.child.pid, started.url, true],
    );
    assert.match(report.processes[0].id, new RegExp(`:${started.child.pid}:`));
  });

  test('a refused token and a gateway that is not running are clear errors (exit 1)', async () => {
    const refused = await runPyramid(['status', '--url', started.url], {
      PYRAMID_HOME: home,
      PYRAMID_TOKEN: 'pyr_not_the_right_token_at_all_0123456789',
    });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /refused the token \(401\): set PYRAMID_TOKEN to an admin token/);
    started.child.kill('SIGTERM');
    await started.exited;
    const down = await runPyramid(['status', '--url', started.url], { PYRAMID_HOME: home });
    assert.equal(down.code, 1);
    assert.match(
      down.stderr,
      new RegExp(`nothing answers at ${started.url} \\(.*\\): is pyramid start running\\?`),
    );
  });
});
