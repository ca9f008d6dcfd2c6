import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AuthError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  UnreachableError,
} from '../../src/contracts/errors/index.ts';
import { createProviderProbe } from '../../src/providers/create-provider-probe.ts';
import { fakeProviderConfig } from '../fakes/fake-provider-config.ts';
import { refusedConnectionUrl } from '../fakes/refused-connection-url.ts';
import { startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { apis } from './adapter-harness.ts';

const paths = {
  'openai-completions': '/v1/models',
  'anthropic-messages': '/v1/models',
  'google-generative-ai': '/v1beta/models',
  ollama: '/api/tags',
};

for (const api of apis) {
  test(`${api}: the probe lists models and classifies failures`, async () => {
    const fake = await startFakeModelServer({ api });
    try {
      const probe = createProviderProbe({ provider: fakeProviderConfig(fake) });
      const { latencyMs } = await probe.probe({ timeoutMs: 1000 });
      assert.ok(latencyMs >= 0);
      assert.equal(fake.requests[0].method, 'GET');
      assert.equal(fake.requests[0].path, paths[api]);
      fake.enqueue({ status: 401 });
      await assert.rejects(probe.probe({ timeoutMs: 1000 }), AuthError);
      fake.enqueue({ status: 503 });
      await assert.rejects(probe.probe({ timeoutMs: 1000 }), ServerError);
      fake.enqueue({ status: 429, headers: { 'retry-after': '7' } });
      await assert.rejects(probe.probe({ timeoutMs: 1000 }), (error: unknown) => {
        assert.ok(
          error instanceof RateLimitedError,
          `a 429 is a rate limit, not unreachable: ${String(error)}`,
        );
        assert.equal(error.retryAfterMs, 7000);
        return true;
      });
      fake.enqueue({ hang: true });
      await assert.rejects(probe.probe({ timeoutMs: 150 }), TimeoutError);
    } finally {
      await fake.close();
    }
  });
}

test('a probe of a refused port is an UnreachableError', async () => {
  const probe = createProviderProbe({
    provider: fakeProviderConfig({ api: 'ollama', baseUrl: await refusedConnectionUrl() }),
  });
  await assert.rejects(probe.probe({ timeoutMs: 1000 }), UnreachableError);
});

test('a provider on a port fetch refuses is unreachable, and the reason says so (not "malformed")', async () => {
  for (const api of ['ollama', 'openai-completions'] as const) {
    const probe = createProviderProbe({
      provider: fakeProviderConfig({ api, baseUrl: 'http://127.0.0.1:6000' }),
    });
    await assert.rejects(probe.probe({ timeoutMs: 1000 }), (error: unknown) => {
      assert.ok(error instanceof UnreachableError, `${api}: ${String(error)}`);
      assert.match(error.message, /fetch refuses this port \(a "bad port" in the Fetch standard/);
      return true;
    });
  }
});
