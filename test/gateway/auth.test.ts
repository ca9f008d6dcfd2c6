import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminToken, clientToken, startTestGateway, type TestGateway } from './start-test-gateway.ts';

describe('gateway auth', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ gatewayYaml: '' });
  });
  after(() => gw.close());

  test('/health and /health/ready need no token; everything else does', async () => {
    const health = await gw.call('/health', { token: null });
    assert.equal(health.status, 200);
    const body = (await health.json()) as Record<string, unknown>;
    assert.equal(body.ok, true);
    assert.equal(body.status, 'ok');
    assert.equal(typeof body.uptimeSeconds, 'number');
    assert.equal(body.version, 'test');
    assert.equal((await gw.call('/health/ready', { token: null })).status, 200);
    for (const path of ['/v1/models', '/api/health', '/api/usage', '/metrics']) {
      const response = await gw.call(path, { token: null });
      assert.equal(response.status, 401, path);
      assert.equal(
        ((await response.json()) as { error: { type: string } }).error.type,
        'authentication_error',
      );
    }
  });

  test('a wrong token is a 401; a client token cannot reach /api or /metrics; admin reaches everything', async () => {
    assert.equal((await gw.call('/v1/models', { token: `${clientToken}x` })).status, 401);
    assert.equal((await gw.call('/v1/models', { token: clientToken.slice(0, -1) })).status, 401);
    assert.equal((await gw.call('/v1/models', { token: clientToken })).status, 200);
    assert.equal((await gw.call('/api/usage', { token: clientToken })).status, 403);
    assert.equal((await gw.call('/metrics', { token: clientToken })).status, 403);
    for (const path of ['/v1/models', '/api/health', '/api/usage', '/metrics'])
      assert.equal((await gw.call(path, { token: adminToken })).status, 200, path);
  });

  test('/health/ready is 503 while not ready (draining)', async () => {
    gw.gateway.setReady(false);
    const response = await gw.call('/health/ready', { token: null });
    assert.equal(response.status, 503);
    gw.gateway.setReady(true);
  });

  test('no token value appears in the logs', async () => {
    await gw.call('/v1/models', { token: clientToken });
    await gw.call('/v1/models', { token: 'pyr_guess_guess_guess_guess' });
    const logs = gw.logs();
    assert.match(logs, /"path":"\/v1\/models"/);
    assert.match(logs, /"caller":"support-bot"/);
    for (const secret of [
      clientToken,
      adminToken,
      'pyr_guess_guess_guess_guess',
      'sk-cloud-secret-value-123',
    ])
      assert.ok(!logs.includes(secret), 'a secret reached the log');
  });
});

describe('failed-auth throttle', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      yaml: (local, cloud) => `
providers:
  local: { api: ollama, baseUrl: "${local.baseUrl}" }
  cloud: { api: openai-completions, baseUrl: "${cloud.baseUrl}" }
models:
  local-model: { provider: local, id: fake-model, cost: { input: 0, output: 0 } }
tiers: [[local-model]]
tasks: { default: 0 }
gateway:
  auth:
    tokens:
      - { name: ops, token: "env:ADMIN_TOKEN", scopes: [admin] }
      - { name: support-bot, token: "env:CLIENT_TOKEN", scopes: [client] }
    throttle: { maxFailures: 3, window: 1h }
`,
    });
  });
  after(() => gw.close());

  test('requests without a token are refused 401 and count against nobody', async () => {
    for (let index = 0; index < 10; index++) {
      const response = await gw.call('/v1/models', { token: null });
      assert.equal(response.status, 401, `request ${index} without a token`);
      assert.match(
        ((await response.json()) as { error: { message: string } }).error.message,
        /Missing bearer token/,
      );
    }
    // Ten requests without a token past a limit of three: a wrong token is still only a 401.
    assert.equal((await gw.call('/v1/models', { token: 'pyr_wrong_first_xxxxxxxxxxxxxxxxxx' })).status, 401);
  });

  test('wrong tokens from one address get 429 with Retry-After; valid tokens from it are still served', async () => {
    // Counting on from the previous test: one failure so far.
    for (let index = 0; index < 2; index++)
      assert.equal(
        (await gw.call('/v1/models', { token: `pyr_wrong_${index}_xxxxxxxxxxxxxxxx` })).status,
        401,
      );
    const throttled = await gw.call('/v1/models', { token: 'pyr_wrong_again_xxxxxxxxxxxxxxxx' });
    assert.equal(throttled.status, 429);
    const retryAfter = Number(throttled.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
    assert.equal(((await throttled.json()) as { error: { code: string } }).error.code, 'auth_throttled');
    // The same address (every client behind a reverse proxy shares one) with valid tokens.
    assert.equal((await gw.call('/v1/models', { token: adminToken })).status, 200);
    assert.equal((await gw.call('/api/usage', { token: adminToken })).status, 200);
    assert.equal((await gw.call('/v1/models', { token: clientToken })).status, 200);
    assert.equal((await gw.call('/v1/models', { token: 'pyr_wrong_later_xxxxxxxxxxxxxxxx' })).status, 429);
    assert.equal(
      (await gw.call('/v1/models', { token: null })).status,
      401,
      'no token is a 401, never a 429',
    );
    assert.equal((await gw.call('/health', { token: null })).status, 200, 'liveness is never throttled');
  });
});
