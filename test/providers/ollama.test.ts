import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ReasoningLevel } from '../../src/contracts/model-call.ts';
import { call, collect, startHarness, summarise } from './adapter-harness.ts';

let harness: Awaited<ReturnType<typeof startHarness>>;
before(async () => {
  harness = await startHarness('ollama', {
    model: { reasoning: true, id: 'qwen3:8b' },
    provider: { apiKey: undefined },
  });
});
after(() => harness.fake.close());

test('calls the native /api/chat, with no Authorization header when there is no key', async () => {
  await harness.adapter.generate(call());
  const request = harness.fake.requests.at(-1)!;
  assert.equal(request.path, '/api/chat');
  assert.equal(request.headers.authorization, undefined);
  assert.equal((request.body as { stream: boolean }).stream, false);
});

test('a configured key is sent as a bearer token', async () => {
  const keyed = await startHarness('ollama');
  try {
    await keyed.adapter.generate(call());
    assert.equal(keyed.fake.requests[0].headers.authorization, 'Bearer test-secret-key-0123456789');
  } finally {
    await keyed.fake.close();
  }
});

test('reasoning levels map to think: off is false, others true', async () => {
  const sent: Record<string, unknown> = {};
  for (const level of ['off', 'low', 'high', undefined] as (ReasoningLevel | undefined)[]) {
    await harness.adapter.generate(call({ reasoning: level }));
    sent[String(level)] = (harness.fake.requests.at(-1)!.body as Record<string, unknown>).think;
  }
  assert.deepEqual(sent, { off: false, low: true, high: true, undefined: undefined });
});

test('gpt-oss gets the level string; a model without reasoning gets no think', async () => {
  const gptOss = await startHarness('ollama', { model: { reasoning: true, id: 'gpt-oss:20b' } });
  const plain = await startHarness('ollama', { model: { reasoning: false } });
  try {
    await gptOss.adapter.generate(call({ reasoning: 'high' }));
    assert.equal((gptOss.fake.requests[0].body as { think: unknown }).think, 'high');
    await plain.adapter.generate(call({ reasoning: 'high' }));
    assert.equal('think' in (plain.fake.requests[0].body as object), false);
  } finally {
    await gptOss.fake.close();
    await plain.fake.close();
  }
});

test('a thinking reasoning model gets at least minOutputTokens as num_predict', async () => {
  await harness.adapter.generate(call({ maxTokens: 100, reasoning: 'low' }));
  assert.equal(
    (harness.fake.requests.at(-1)!.body as { options: { num_predict: number } }).options.num_predict,
    1024,
  );
  await harness.adapter.generate(call({ maxTokens: 100, reasoning: 'off' }));
  assert.equal(
    (harness.fake.requests.at(-1)!.body as { options: { num_predict: number } }).options.num_predict,
    100,
  );
});

test('the thinking field is reasoning; eval_count is split into output and estimated reasoning', async () => {
  harness.fake.enqueue({
    reasoning: 'x'.repeat(40),
    text: 'Done.',
    usage: { input: 30, output: 2, reasoning: 10 },
  });
  const answer = await harness.adapter.generate(call());
  assert.equal(answer.text, 'Done.');
  assert.equal(answer.reasoningText, 'x'.repeat(40));
  assert.deepEqual(answer.usage, { input: 30, cachedInput: 0, output: 2, reasoning: 10 });
});

test('stream: inline <think> in content (a model without a thinking parser) never reaches the text', async () => {
  harness.fake.enqueue({ inlineThink: true, reasoning: 'hmm, 6 x 7', text: '42', chunkSize: 2 });
  const { text, reasoning } = summarise(await collect(harness.adapter.stream(call())));
  assert.equal(text, '42');
  assert.equal(reasoning.trim(), 'hmm, 6 x 7');
});
