import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { type Started, startPyramid } from './start-pyramid-process.ts';
import { adminToken, gatewayTestYaml } from './start-test-gateway.ts';

type ErrorBody = { error: { message: string; code: string; param: string | null } };

describe('query values are validated the same way on every endpoint of pyramid start', () => {
  let home: string;
  let local: FakeModelServer;
  let cloud: FakeModelServer;
  let started: Started;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-query-'));
    [local, cloud] = await Promise.all([
      startFakeModelServer({ api: 'ollama' }),
      startFakeModelServer({ api: 'openai-completions' }),
    ]);
    await writeFile(join(home, 'pyramid.yaml'), gatewayTestYaml(local, cloud));
    started = await startPyramid({ PYRAMID_HOME: home, ADMIN_TOKEN: adminToken, CLOUD_KEY: 'sk-x' });
  });
  after(async () => {
    started.child.kill('SIGKILL');
    await started.exited;
    await Promise.all([local.close(), cloud.close()]);
    await rm(home, { recursive: true, force: true });
  });
  const get = (path: string) =>
    fetch(`${started.url}${path}`, { headers: { authorization: `Bearer ${adminToken}` } });

  test('a bad limit is a 400 naming limit on /api/deliveries and /api/runs alike', async () => {
    for (const endpoint of ['/api/deliveries', '/api/runs']) {
      for (const value of ['1.5', 'abc', '0', '-1', '1e3', ' 5', '1001', '', '99999999999999999999']) {
        const response = await get(`${endpoint}?limit=${encodeURIComponent(value)}`);
        assert.equal(response.status, 400, `${endpoint}?limit=${value}`);
        const body = (await response.json()) as ErrorBody;
        assert.equal(body.error.code, 'invalid_query');
        assert.equal(body.error.param, 'limit');
        assert.match(body.error.message, /'limit': expected a whole number from 1 to 1000/);
      }
      for (const value of ['1', '1000']) assert.equal((await get(`${endpoint}?limit=${value}`)).status, 200);
      assert.equal((await get(endpoint)).status, 200, 'no limit: the default');
    }
  });

  test('bad, unknown and repeated parameters are a 400 naming the parameter', async () => {
    const cases: [string, string, RegExp][] = [
      ['/api/runs?status=done', 'status', /expected one of queued, running, ok/],
      ['/api/runs?job=', 'job', /expected a value/],
      ['/api/deliveries?state=lost', 'state', /expected one of pending, delivered, failed/],
      ['/api/deliveries?failed=maybe', 'failed', /expected no value, true or false/],
      ['/api/usage?by=color', 'by', /expected one of model, tier, task, agent, day/],
      ['/api/usage?since=yesterdayish', 'since', /invalid since/],
      ['/api/runs?limt=5', 'limt', /Unknown query parameter 'limt': this endpoint takes job, status, limit/],
      ['/api/deliveries?limit=5&limit=6', 'limit', /given 2 times/],
    ];
    for (const [path, param, message] of cases) {
      const response = await get(path);
      assert.equal(response.status, 400, path);
      const body = (await response.json()) as ErrorBody;
      assert.equal(body.error.param, param, path);
      assert.match(body.error.message, message, path);
    }
    for (const path of [
      '/api/deliveries?failed',
      '/api/deliveries?failed=false&state=pending',
      '/api/usage?since=24h&by=model',
    ])
      assert.equal((await get(path)).status, 200, path);
  });
});
