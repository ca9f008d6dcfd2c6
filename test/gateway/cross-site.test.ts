import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rawRequest } from './raw-request.ts';
import { startTestGateway, type TestGateway } from './start-test-gateway.ts';

const chat = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'spend money' }] });

// Auth off on loopback: the setting under which a web page could otherwise drive the gateway.
const openYaml = (local: { baseUrl: string }, allowedHosts = '') => `
providers:
  local: { api: ollama, baseUrl: "${local.baseUrl}" }
models:
  local-model: { provider: local, id: fake-model, cost: { input: 0, output: 0 } }
tiers: [[local-model]]
tasks: { default: 0 }
gateway:
  probeInterval: 1h
  auth: { enabled: false }
${allowedHosts}`;

describe('cross-site requests, with auth off on loopback', () => {
  let gw: TestGateway;
  let port: string;
  before(async () => {
    gw = await startTestGateway({ yaml: (local) => openYaml(local) });
    port = new URL(gw.url).port;
  });
  after(() => gw.close());

  const post = (headers: Record<string, string>, body = chat, path = '/v1/chat/completions') =>
    rawRequest(gw.url, { method: 'POST', path, headers: { host: `127.0.0.1:${port}`, ...headers }, body });

  test('a body that is not sent as JSON is a 415 and never reaches a model', async () => {
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const response = await post({ 'content-type': type });
      assert.equal(response.status, 415, type);
      assert.equal(JSON.parse(response.body).error.code, 'unsupported_media_type', type);
    }
    assert.equal((await post({})).status, 415, 'no Content-Type at all');
    assert.equal(gw.local.requests.length, 0, 'no model was called');
    const json = await post({ 'content-type': 'application/json; charset=utf-8' });
    assert.equal(json.status, 200, json.body);
    assert.equal(gw.local.requests.length, 1);
  });

  test('a Host that is not the gateway’s own (DNS rebinding) is a 421', async () => {
    const before = gw.local.requests.length;
    for (const host of [
      'attacker.example',
      `attacker.example:${port}`,
      `127.0.0.1:1`,
      `localhost.attacker.example:${port}`,
    ]) {
      const response = await post({ host, 'content-type': 'application/json' });
      assert.equal(response.status, 421, host);
      assert.equal(JSON.parse(response.body).error.code, 'misdirected_request', host);
    }
    assert.equal(gw.local.requests.length, before, 'no model was called');
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`])
      assert.equal((await rawRequest(gw.url, { path: '/v1/models', headers: { host } })).status, 200, host);
    const health = await rawRequest(gw.url, { path: '/health', headers: { host: 'attacker.example' } });
    assert.equal(health.status, 200, 'liveness answers by any name');
  });

  test('an Origin other than the gateway’s own (a web page elsewhere) is a 403', async () => {
    const before = gw.local.requests.length;
    for (const origin of [
      'http://attacker.example',
      `http://localhost:3000`,
      'null',
      `http://127.0.0.1:${port}.attacker.example`,
    ]) {
      const response = await post({ origin, 'content-type': 'application/json' });
      assert.equal(response.status, 403, origin);
      assert.equal(JSON.parse(response.body).error.code, 'origin_not_allowed', origin);
    }
    const job = await post(
      { origin: 'http://attacker.example', 'content-type': 'application/json' },
      '{}',
      '/api/jobs/x/run',
    );
    assert.equal(job.status, 403, 'a body-less admin call from another origin is refused too');
    assert.equal(gw.local.requests.length, before, 'no model was called');
    const same = await post({ origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json' });
    assert.equal(same.status, 200, 'the gateway’s own origin (its dashboard) is served');
  });
});

describe('gateway.allowedHosts', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      yaml: (local) => openYaml(local, '  allowedHosts: [pyramid.example.com, "other.example:8443"]\n'),
    });
  });
  after(() => gw.close());

  test('adds names a reverse proxy forwards, on any port or the one given', async () => {
    const get = (headers: Record<string, string>) => rawRequest(gw.url, { path: '/v1/models', headers });
    assert.equal((await get({ host: 'pyramid.example.com' })).status, 200);
    assert.equal((await get({ host: 'Pyramid.Example.com:443' })).status, 200);
    assert.equal((await get({ host: 'other.example:8443' })).status, 200);
    assert.equal((await get({ host: 'other.example' })).status, 421);
    assert.equal(
      (await get({ host: 'pyramid.example.com', origin: 'https://pyramid.example.com' })).status,
      200,
    );
    assert.equal(
      (await get({ host: 'pyramid.example.com', origin: 'https://other.example:8443' })).status,
      200,
    );
    assert.equal((await get({ host: 'pyramid.example.com', origin: 'https://evil.example' })).status, 403);
  });
});
