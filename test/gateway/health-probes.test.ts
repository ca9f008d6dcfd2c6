import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRelay } from './start-relay.ts';
import { clientToken, gatewayTestYaml, startTestGateway, type TestGateway } from './start-test-gateway.ts';

type Health = {
  status: string;
  providers: Record<string, { reachable: boolean | null; reason?: string; latencyMs?: number }>;
  models: Record<
    string,
    { available: boolean; breaker: { state: string }; recent: { attempts: number; errorRate: number | null } }
  >;
};

describe('health probes feed the breakers', () => {
  let gw: TestGateway;
  let relay: Awaited<ReturnType<typeof startRelay>>;

  before(async () => {
    gw = await startTestGateway({
      yaml: async (local, cloud) => {
        relay = await startRelay(Number(new URL(local.origin).port));
        return gatewayTestYaml({ baseUrl: relay.url() }, cloud);
      },
    });
  });
  after(async () => {
    await gw.close();
    await relay.down().catch(() => {});
  });

  const health = async () => (await (await gw.call('/api/health')).json()) as Health;
  const ask = async () => {
    const response = await gw.call('/v1/chat/completions', {
      method: 'POST',
      token: clientToken,
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { model: string }).model;
  };

  test('a dead provider is taken out of rotation by the probe, and put back when it answers again', async () => {
    await gw.gateway.context.health.probeAll();
    let state = await health();
    assert.equal(state.providers.local.reachable, true);
    assert.equal(typeof state.providers.local.latencyMs, 'number');
    assert.equal(state.models['local-model'].breaker.state, 'closed');
    assert.equal(await ask(), 'local-model');

    await relay.down();
    await gw.gateway.context.health.probeAll();
    state = await health();
    assert.equal(state.status, 'degraded');
    assert.equal(state.providers.local.reachable, false);
    assert.match(state.providers.local.reason ?? '', /^unreachable/);
    assert.equal(state.models['local-model'].available, false);
    assert.equal(state.models['local-model'].breaker.state, 'open');
    const started = performance.now();
    assert.equal(await ask(), 'cloud-model', 'the dead provider is skipped');
    const attempts = await gw.platform.ledger.usage({ sinceMs: 0, by: 'model' });
    assert.equal(
      attempts.rows.find((row) => row.key === 'local-model')?.attempts,
      1,
      'no user request was sent to the dead provider',
    );
    assert.ok(performance.now() - started < 1000);
    assert.match(gw.logs(), /"provider":"local".*"msg":"provider unreachable"/);

    await relay.up();
    await gw.gateway.context.health.probeAll();
    state = await health();
    assert.equal(state.providers.local.reachable, true);
    assert.equal(state.models['local-model'].breaker.state, 'closed');
    assert.equal(state.models['local-model'].available, true);
    assert.equal(await ask(), 'local-model', 'the provider is used again');
    assert.match(gw.logs(), /"msg":"provider reachable again"/);
  });

  test('every configured model is reported, with its recent attempts', async () => {
    const state = await health();
    assert.equal(state.providers.cloud.reachable, true);
    assert.deepEqual(Object.keys(state.models).sort(), ['cloud-model', 'local-model']);
    assert.ok(state.models['cloud-model'].recent.attempts >= 1);
  });
});
