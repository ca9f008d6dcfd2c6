import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runPyramid } from '../cli/run-pyramid.ts';
import { waitFor } from '../delivery/wait-for.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { startPyramid } from './start-pyramid-process.ts';
import { adminToken, gatewayTestYaml } from './start-test-gateway.ts';

describe('pyramid start', () => {
  let home: string;
  let local: FakeModelServer;
  let cloud: FakeModelServer;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-start-'));
    [local, cloud] = await Promise.all([
      startFakeModelServer({ api: 'ollama' }),
      startFakeModelServer({ api: 'openai-completions' }),
    ]);
  });
  after(async () => {
    await Promise.all([local.close(), cloud.close()]);
    await rm(home, { recursive: true, force: true });
  });

  test('first run: writes the starter config and an admin token (mode 0600), never printing the token', async () => {
    const fresh = join(home, 'fresh');
    const started = await startPyramid({ PYRAMID_HOME: fresh });
    try {
      const credentials = join(fresh, 'credentials');
      assert.equal((await stat(credentials)).mode & 0o777, 0o600);
      const token = (
        JSON.parse(await readFile(credentials, 'utf8')) as { tokens: { token: string; scopes: string[] }[] }
      ).tokens[0];
      assert.deepEqual(token.scopes, ['admin']);
      assert.match(started.output(), new RegExp(`wrote a starter config to ${join(fresh, 'pyramid.yaml')}`));
      assert.match(started.output(), new RegExp(`cat ${credentials}`));
      assert.equal((await fetch(`${started.url}/health`)).status, 200);
      const models = await fetch(`${started.url}/v1/models`, {
        headers: { authorization: `Bearer ${token.token}` },
      });
      assert.equal(models.status, 200);
      started.child.kill('SIGTERM');
      assert.equal(await started.exited, 0);
      assert.ok(!started.output().includes(token.token), 'the token is never printed or logged');
      const lines = started
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'));
      assert.ok(
        lines.length > 0 && lines.every((line) => JSON.parse(line).service === 'pyramid'),
        'JSON logs',
      );
    } finally {
      started.child.kill('SIGKILL');
    }
  });

  test('SIGTERM mid-request: the request completes, new connections are refused, exit 0', async () => {
    const dir = join(home, 'drain');
    await rm(dir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    await writeFile(join(dir, 'pyramid.yaml'), gatewayTestYaml(local, cloud));
    const started = await startPyramid({
      PYRAMID_HOME: dir,
      ADMIN_TOKEN: adminToken,
      CLIENT_TOKEN: 'pyr_unused_client_token_000000',
      CLOUD_KEY: 'sk-cloud-secret-value-123',
    });
    try {
      const release = Promise.withResolvers<void>();
      local.setDefault({ release: release.promise, text: 'finished despite the SIGTERM' });
      const seen = local.requests.length;
      const pending = fetch(`${started.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'slow one' }] }),
      });
      // The request is in flight once the model server has it; the gateway closes its listener in the
      // same tick as it logs "draining".
      await waitFor(() => local.requests.length > seen, 60_000, 'the model server to receive the request');
      started.child.kill('SIGTERM');
      await waitFor(() => started.output().includes('"msg":"draining"'), 60_000, 'the draining log line');
      await assert.rejects(fetch(`${started.url}/health`), 'no new connections while draining');
      release.resolve();
      const response = await pending;
      assert.equal(response.status, 200);
      const body = (await response.json()) as { choices: { message: { content: string } }[] };
      assert.equal(body.choices[0].message.content, 'finished despite the SIGTERM');
      assert.equal(await started.exited, 0);
      assert.match(started.output(), /"msg":"draining"/);
      assert.match(started.output(), /"dropped":0,"msg":"stopped"/);
      for (const secret of [adminToken, 'sk-cloud-secret-value-123'])
        assert.ok(!started.output().includes(secret), 'no secret in the logs');
    } finally {
      local.setDefault({});
      started.child.kill('SIGKILL');
    }
  });

  test('one process runs it all: a scheduled job fires, its output is delivered, and the API shows both', async () => {
    const dir = join(home, 'platform');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    const at = new Date(Date.now() + 3000).toISOString();
    await writeFile(
      join(dir, 'pyramid.yaml'),
      `${gatewayTestYaml(local, cloud)}channels:
  log: { type: file, path: deliveries.jsonl }
agents:
  - { id: triage, task: classify, prompt: "You label support requests." }
jobs:
  - { id: label-once, agent: triage, schedule: { at: "${at}" }, payload: { kind: agentTurn, message: "Label the new requests." }, deliver: [log] }
`,
    );
    local.setDefault({ text: 'billing: 2, bug: 1' });
    const started = await startPyramid({
      PYRAMID_HOME: dir,
      ADMIN_TOKEN: adminToken,
      CLIENT_TOKEN: 'pyr_unused_client_token_000000',
    });
    const api = async (path: string) => {
      const response = await fetch(`${started.url}${path}`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      assert.equal(response.status, 200, path);
      return response.json() as Promise<Record<string, unknown>>;
    };
    try {
      const jobs = JSON.stringify(await api('/api/jobs'));
      assert.match(jobs, /label-once/);
      const define = async (agent: string, deliver: unknown[]) => {
        const response = await fetch(`${started.url}/api/jobs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            id: 'label-hourly',
            agent,
            schedule: { every: '1h' },
            payload: { kind: 'agentTurn', message: 'Label.' },
            deliver,
          }),
        });
        return { status: response.status, body: (await response.json()) as { error: { message: string } } };
      };
      const unknownChannel = await define('triage', [{ channel: 'slack', to: 'C1' }]);
      assert.equal(unknownChannel.status, 400);
      assert.match(unknownChannel.body.error.message, /unknown channel "slack": configured channels are log/);
      const unknownAgent = await define('ghost', ['log']);
      assert.equal(unknownAgent.status, 400);
      assert.match(unknownAgent.body.error.message, /unknown agent "ghost" \(known: triage\)/);
      assert.doesNotMatch(JSON.stringify(await api('/api/jobs')), /label-hourly/);
      const deadline = Date.now() + 60_000;
      let delivered = '';
      while (Date.now() < deadline) {
        delivered = await readFile(join(dir, 'deliveries.jsonl'), 'utf8').catch(() => '');
        if (delivered) break;
        await sleep(100);
      }
      assert.match(delivered, /billing: 2, bug: 1/, 'deliveries.jsonl within 60 s of the slot');
      const runs = JSON.stringify(await api('/api/runs?job=label-once'));
      assert.match(runs, /"status":"ok"/);
      const deliveries = JSON.stringify(await api('/api/deliveries'));
      assert.match(deliveries, /"state":"delivered"/);
      started.child.kill('SIGTERM');
      assert.equal(await started.exited, 0);
      assert.match(started.output(), /"msg":"run finished"/);
    } finally {
      local.setDefault({});
      started.child.kill('SIGKILL');
    }
  });

  test('invalid config, or a non-loopback bind without auth, exits 78', async () => {
    const dir = join(home, 'invalid');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    await writeFile(join(dir, 'pyramid.yaml'), `${gatewayTestYaml(local, cloud)}  port: "eighty"\n`);
    const invalid = await runPyramid(['start', '--port', '0'], { PYRAMID_HOME: dir });
    assert.equal(invalid.code, 78);
    assert.match(invalid.stderr, /gateway\.port/);

    await writeFile(
      join(dir, 'pyramid.yaml'),
      gatewayTestYaml(local, cloud).replace(/gateway:[\s\S]*$/, 'gateway:\n  auth: { enabled: false }\n'),
    );
    const open = await runPyramid(['start', '--port', '0', '--bind', '0.0.0.0'], { PYRAMID_HOME: dir });
    assert.equal(open.code, 78);
    assert.match(open.stderr, /refusing to listen on 0\.0\.0\.0 without auth/);

    await writeFile(
      join(dir, 'pyramid.yaml'),
      gatewayTestYaml(local, cloud).replace(
        /gateway:[\s\S]*$/,
        'gateway:\n  bind: 0.0.0.0\n  auth: { enabled: false }\n',
      ),
    );
    const validate = await runPyramid(['config', 'validate'], { PYRAMID_HOME: dir });
    assert.equal(validate.code, 78);
    assert.match(
      validate.stderr + validate.stdout,
      /gateway\.auth\.enabled: cannot be false with bind 0\.0\.0\.0/,
    );
  });
});
