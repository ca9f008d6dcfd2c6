import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createModelAdapter } from '../../src/providers/create-model-adapter.ts';
import { createProviderProbe } from '../../src/providers/create-provider-probe.ts';
import { fakeModelConfig, fakeProviderConfig } from '../fakes/fake-provider-config.ts';
import { startFakeModelServer } from '../fakes/start-fake-model-server.ts';

const orgToken = 'org-token-from-env-0123456789';

for (const api of ['openai-completions', 'ollama', 'anthropic-messages', 'google-generative-ai'] as const) {
  test(`${api}: a header secret the server echoes back never reaches an error message`, async () => {
    const fake = await startFakeModelServer({ api });
    try {
      const provider = fakeProviderConfig(fake, { headers: { 'x-org-token': orgToken } });
      const adapter = createModelAdapter({ provider, model: fakeModelConfig(provider) });
      const said = `invalid organisation token ${orgToken}`;
      // Each protocol's error shape: Ollama's is { error: "..." }.
      const echo =
        api === 'ollama' ? { error: said } : { error: { message: said, type: 'invalid_request_error' } };
      fake.enqueue({ status: 401, errorBody: echo });
      const error = await adapter
        .generate({ messages: [{ role: 'user', content: 'hi' }], timeouts: provider.timeouts })
        .catch((caught: unknown) => caught);
      assert.ok(error instanceof Error, String(error));
      assert.doesNotMatch(error.message, new RegExp(orgToken));
      assert.match(error.message, /\[redacted\]/);
      fake.enqueue({ status: 401, errorBody: echo });
      const probeError = await createProviderProbe({ provider })
        .probe({ timeoutMs: 2000 })
        .catch((caught: unknown) => caught);
      assert.ok(probeError instanceof Error, String(probeError));
      assert.doesNotMatch(probeError.message, new RegExp(orgToken));
    } finally {
      await fake.close();
    }
  });
}
