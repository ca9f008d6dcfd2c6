import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ContentFilteredError } from '../../src/contracts/errors/index.ts';
import { call, collect, startHarness } from './adapter-harness.ts';

let harness: Awaited<ReturnType<typeof startHarness>>;
before(async () => {
  harness = await startHarness('anthropic-messages', { model: { reasoning: true } });
});
after(() => harness.fake.close());

test('the key goes in x-api-key with an anthropic-version, never in Authorization', async () => {
  await harness.adapter.generate(call());
  const request = harness.fake.requests.at(-1)!;
  assert.equal(request.path, '/v1/messages');
  assert.equal(request.headers['x-api-key'], 'test-secret-key-0123456789');
  assert.ok(request.headers['anthropic-version']);
  assert.equal(request.headers.authorization, undefined);
});

test('low/medium/high enable thinking with a budget scaled to max tokens; off sends none', async () => {
  await harness.adapter.generate(call({ maxTokens: 8000, reasoning: 'medium' }));
  const medium = harness.fake.requests.at(-1)!.body as { thinking: unknown; max_tokens: number };
  assert.deepEqual(medium.thinking, { type: 'enabled', budget_tokens: 4000 });
  assert.equal(medium.max_tokens, 12000);
  await harness.adapter.generate(call({ maxTokens: 2000, reasoning: 'low' }));
  assert.deepEqual((harness.fake.requests.at(-1)!.body as { thinking: unknown }).thinking, {
    type: 'enabled',
    budget_tokens: 1024,
  });
  await harness.adapter.generate(call({ maxTokens: 2000, reasoning: 'off' }));
  assert.equal('thinking' in (harness.fake.requests.at(-1)!.body as object), false);
});

test('stream: thinking blocks are reasoning deltas, never text', async () => {
  harness.fake.enqueue({ reasoning: 'Considering the question.', text: 'Forty-two.', chunkSize: 5 });
  const events = await collect(harness.adapter.stream(call({ reasoning: 'high' })));
  const texts = events.flatMap((event) => (event.type === 'text-delta' ? [event.text] : []));
  const thoughts = events.flatMap((event) => (event.type === 'reasoning-delta' ? [event.text] : []));
  assert.equal(texts.join(''), 'Forty-two.');
  assert.equal(thoughts.join(''), 'Considering the question.');
});

test('a refusal with no text is a ContentFilteredError', async () => {
  harness.fake.enqueue({ text: '', finishReason: 'content-filter' });
  await assert.rejects(harness.adapter.generate(call()), ContentFilteredError);
});
