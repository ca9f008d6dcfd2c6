import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { type Started, startPyramid } from './start-pyramid-process.ts';
import { adminToken, clientToken, gatewayTestYaml } from './start-test-gateway.ts';

const agents = (prompt: string) => `
agents:
  - { id: triage, task: classify, prompt: "${prompt}" }
`;
const job = (id: string, every: string) =>
  `  - { id: ${id}, agent: triage, schedule: { every: ${every} }, payload: { kind: agentTurn, message: "Label." } }\n`;

describe('pyramid start reloads its config on SIGHUP and POST /api/config/reload', () => {
  let home: string;
  let local: FakeModelServer;
  let cloud: FakeModelServer;
  let started: Started;
  let file: string;
  const base = () => gatewayTestYaml(local, cloud);
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${started.url}${path}`, { ...init, headers: { authorization: `Bearer ${adminToken}` } });
  const jobIds = async () =>
    ((await (await call('/api/jobs')).json()) as { jobs: { id: string }[] }).jobs
      .map((entry) => entry.id)
      .sort();
  /** Sends SIGHUP and waits for the log line that says how it went (`message`), counting from now. */
  const hangUp = async (message: string) => {
    const seen = started.output().split(message).length;
    started.child.kill('SIGHUP');
    const deadline = Date.now() + 60_000;
    while (started.output().split(message).length === seen) {
      if (Date.now() > deadline) throw new Error(`no "${message}" after SIGHUP:\n${started.output()}`);
      await sleep(25);
    }
  };

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-reload-'));
    [local, cloud] = await Promise.all([
      startFakeModelServer({ api: 'ollama' }),
      startFakeModelServer({ api: 'openai-completions' }),
    ]);
    file = join(home, 'pyramid.yaml');
    await writeFile(file, `${base()}${agents('You label requests.')}jobs:\n${job('hourly', '1h')}`);
    started = await startPyramid({
      PYRAMID_HOME: home,
      ADMIN_TOKEN: adminToken,
      CLIENT_TOKEN: clientToken,
      CLOUD_KEY: 'sk-cloud',
    });
  });
  after(async () => {
    started.child.kill('SIGTERM');
    await started.exited;
    await Promise.all([local.close(), cloud.close()]);
    await rm(home, { recursive: true, force: true });
  });

  test('SIGHUP applies added jobs and changed agent prompts without a restart', async () => {
    assert.deepEqual(await jobIds(), ['hourly']);
    await writeFile(
      file,
      `${base()}${agents('You label requests, tersely.')}jobs:\n${job('hourly', '1h')}${job('daily', '24h')}`,
    );
    await hangUp('"msg":"config reloaded"');
    assert.match(started.output(), /"sections":\["agents","jobs"\],.*"msg":"config reloaded"/);
    assert.deepEqual(await jobIds(), ['daily', 'hourly']);

    local.enqueue({ text: 'billing' });
    const ran = await call('/api/jobs/daily/run', { method: 'POST' });
    assert.equal(ran.status, 202);
    const { run } = (await ran.json()) as { run: { id: string } };
    const deadline = Date.now() + 60_000;
    let status = 'queued';
    while ((status === 'queued' || status === 'running') && Date.now() < deadline) {
      await sleep(50);
      status = ((await (await call(`/api/runs/${run.id}`)).json()) as { run: { status: string } }).run.status;
    }
    assert.equal(status, 'ok', `run ${run.id} still ${status} after 60 s, or it failed`);
    const sent = JSON.stringify(local.requests.at(-1)?.body);
    assert.match(sent, /You label requests, tersely\./, 'the next run uses the reloaded prompt');
  });

  test('an invalid file is refused with the problem logged; the running config stays and the gateway serves', async () => {
    await writeFile(
      file,
      `${base()}${agents('You label requests.')}jobs:\n${job('hourly', '1h')}${job('ghostly', 'often')}`,
    );
    await hangUp('config reload refused');
    assert.match(started.output(), /jobs\.1\.schedule\.every: expected a duration/);
    assert.deepEqual(await jobIds(), ['daily', 'hourly'], 'nothing of the invalid file was applied');
    assert.equal((await fetch(`${started.url}/health`)).status, 200);
  });

  test('POST /api/config/reload: 200 with what changed per section; a port change is applied at the next restart, the rest now', async () => {
    const slower = base().replace('total: 10s } }\n  cloud', 'total: 20s } }\n  cloud');
    assert.notEqual(slower, base());
    const moved = slower.replace('gateway:\n', 'gateway:\n  port: 18790\n');
    await writeFile(file, `${moved}${agents('You label requests.')}jobs:\n${job('hourly', '1h')}`);
    const reloaded = await call('/api/config/reload', { method: 'POST' });
    assert.equal(reloaded.status, 200);
    const body = (await reloaded.json()) as {
      ok: boolean;
      applied: string[];
      changes: { section: string; added: string[]; removed: string[]; changed: string[] }[];
      restartNeeded: string[];
      message: string;
    };
    assert.deepEqual(body.applied, ['providers', 'agents', 'jobs'], 'gateway: only its port changed');
    assert.deepEqual(body.restartNeeded, ['gateway.port']);
    assert.deepEqual(
      body.changes.find((change) => change.section === 'providers'),
      { section: 'providers', added: [], removed: [], changed: ['local'] },
    );
    assert.deepEqual(
      body.changes.find((change) => change.section === 'jobs'),
      { section: 'jobs', added: [], removed: ['daily'], changed: [] },
    );
    assert.match(body.message, /gateway\.port changed: restart pyramid to apply it/);
    assert.deepEqual(await jobIds(), ['hourly'], 'a job removed from the file is removed');
    assert.equal(
      (await fetch(`${started.url}/health`)).status,
      200,
      'still serving on the port it started on',
    );

    const config = (await (await call('/api/config')).json()) as {
      lastReload: { ok: boolean; source: string; restartNeeded: string[] };
    };
    assert.equal(config.lastReload.source, 'api');
    assert.deepEqual(config.lastReload.restartNeeded, ['gateway.port']);

    const forbidden = await fetch(`${started.url}/api/config/reload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clientToken}` },
    });
    assert.equal(forbidden.status, 403, 'reloading is for admin tokens');
  });
});
