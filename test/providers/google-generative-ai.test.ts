import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AuthError, ContentFilteredError, type RateLimitedError } from '../../src/contracts/errors/index.ts';
import { call, collect, startHarness } from './adapter-harness.ts';

let harness: Awaited<ReturnType<typeof startHarness>>;
before(async () => {
  harness = await startHarness('google-generative-ai', {
    model: { reasoning: true, id: 'gemini-2.5-flash' },
  });
});
after(() => harness.fake.close());

test('the key goes in x-goog-api-key, not in the URL', async () => {
  await collect(harness.adapter.stream(call()));
  const request = harness.fake.requests.at(-1)!;
  assert.equal(request.path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  assert.equal(request.headers['x-goog-api-key'], 'test-secret-key-0123456789');
  assert.doesNotMatch(request.path, /key=/);
});

test('off is a thinking budget of 0; other levels include thoughts with a budget within max tokens', async () => {
  const configOf = () =>
    (harness.fake.requests.at(-1)!.body as { generationConfig: { thinkingConfig?: unknown } })
      .generationConfig.thinkingConfig;
  await harness.adapter.generate(call({ reasoning: 'off' }));
  assert.deepEqual(configOf(), { thinkingBudget: 0 });
  await harness.adapter.generate(call({ reasoning: 'high', maxTokens: 4000 }));
  assert.deepEqual(configOf(), { thinkingBudget: 3000, includeThoughts: true });
  await harness.adapter.generate(call({ reasoning: 'low', maxTokens: 40_000 }));
  assert.deepEqual(configOf(), { thinkingBudget: 1024, includeThoughts: true });
});

test('a bad key (400 API_KEY_INVALID) is an AuthError', async () => {
  harness.fake.enqueue({ error: 'auth' });
  await assert.rejects(
    harness.adapter.generate(call()),
    (error: AuthError) => error instanceof AuthError && error.statusCode === 400,
  );
});

test('RetryInfo retryDelay is the retry delay when there is no Retry-After header', async () => {
  harness.fake.enqueue({ error: 'rate-limited' });
  await assert.rejects(
    harness.adapter.generate(call()),
    (error: RateLimitedError) => error.retryAfterMs === 31_000,
  );
});

test('a SAFETY block with no text is a ContentFilteredError, streaming or not', async () => {
  harness.fake.enqueue({ finishReason: 'content-filter' });
  await assert.rejects(harness.adapter.generate(call()), ContentFilteredError);
  harness.fake.enqueue({ finishReason: 'content-filter' });
  await assert.rejects(collect(harness.adapter.stream(call())), ContentFilteredError);
});
