import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ContentFilteredError, type RateLimitedError } from '../../src/contracts/errors/index.ts';
import type { ReasoningLevel } from '../../src/contracts/model-call.ts';
import { call, collect, startHarness, summarise } from './adapter-harness.ts';

let harness: Awaited<ReturnType<typeof startHarness>>;
before(async () => {
  harness = await startHarness('openai-completions', { model: { reasoning: true } });
});
after(() => harness.fake.close());

test('the key goes in Authorization: Bearer, and the stream asks for usage', async () => {
  await collect(harness.adapter.stream(call()));
  const request = harness.fake.requests.at(-1)!;
  assert.equal(request.path, '/v1/chat/completions');
  assert.equal(request.headers.authorization, 'Bearer test-secret-key-0123456789');
  assert.deepEqual((request.body as { stream_options: unknown }).stream_options, { include_usage: true });
});

test('reasoning levels become reasoning_effort; off is "none" on a reasoning model', async () => {
  const sent: Record<string, unknown> = {};
  for (const level of ['off', 'low', 'medium', 'high', undefined] as (ReasoningLevel | undefined)[]) {
    await harness.adapter.generate(call({ reasoning: level }));
    sent[String(level)] = (harness.fake.requests.at(-1)!.body as Record<string, unknown>).reasoning_effort;
  }
  assert.deepEqual(sent, { off: 'none', low: 'low', medium: 'medium', high: 'high', undefined: undefined });
});

test('a model not configured for reasoning gets no reasoning_effort at all', async () => {
  const plain = await startHarness('openai-completions', { model: { reasoning: false } });
  try {
    await plain.adapter.generate(call({ reasoning: 'high' }));
    await plain.adapter.generate(call({ reasoning: 'off' }));
    for (const request of plain.fake.requests)
      assert.equal('reasoning_effort' in (request.body as object), false);
  } finally {
    await plain.fake.close();
  }
});

test('stream: inline <think> split across chunks goes to reasoning, never to text', async () => {
  harness.fake.enqueue({
    inlineThink: true,
    reasoning: 'Six sevens.',
    text: 'It is 42.',
    chunkSize: 3,
    usage: { output: 3 },
  });
  const events = await collect(harness.adapter.stream(call()));
  const { text, reasoning, finish } = summarise(events);
  assert.equal(text, 'It is 42.');
  assert.equal(reasoning.trim(), 'Six sevens.');
  for (const event of events) if (event.type === 'text-delta') assert.doesNotMatch(event.text, /think|Six/);
  // completion_tokens = 3 + ceil(11/4) = 6 with no reasoning_tokens: the estimate ceil(13/4) = 4 is taken out.
  assert.deepEqual(finish?.usage, { input: 12, cachedInput: 0, output: 2, reasoning: 4 });
});

test('generate: inline <think> is split out of the content', async () => {
  harness.fake.enqueue({ inlineThink: true, reasoning: 'Six sevens.', text: 'It is 42.' });
  const answer = await harness.adapter.generate(call());
  assert.equal(answer.text, 'It is 42.');
  assert.equal(answer.reasoningText.trim(), 'Six sevens.');
});

test('generate: a </think> with no <think> (the template opened the block) is read as reasoning, without config', async () => {
  harness.fake.enqueue({ inlineThink: 'closing-only', reasoning: 'Six sevens.', text: 'It is 42.' });
  const answer = await harness.adapter.generate(call());
  assert.equal(answer.text, 'It is 42.');
  assert.equal(answer.reasoningText.trim(), 'Six sevens.');
});

test('stream: templateOpensThink holds the text before </think> as reasoning, then streams the answer', async () => {
  const opened = await startHarness('openai-completions', {
    model: { reasoning: true, templateOpensThink: true },
  });
  try {
    opened.fake.enqueue({
      inlineThink: 'closing-only',
      reasoning: 'Six sevens.',
      text: 'It is 42.',
      chunkSize: 3,
    });
    const events = await collect(opened.adapter.stream(call()));
    const { text, reasoning } = summarise(events);
    assert.equal(text, 'It is 42.');
    assert.equal(reasoning.trim(), 'Six sevens.');
    for (const event of events) if (event.type === 'text-delta') assert.doesNotMatch(event.text, /think|Six/);
    assert.ok(events.filter((event) => event.type === 'text-delta').length > 1, 'the answer still streams');
    // Thinking turned off: no tags at all, and the answer is the answer.
    opened.fake.enqueue({ text: 'Plain 42.', chunkSize: 3 });
    assert.equal(summarise(await collect(opened.adapter.stream(call()))).text, 'Plain 42.');
    // Cut by the token limit before </think>: reasoning, not an answer (the router then retries or escalates).
    opened.fake.enqueue({ text: 'Still thinking abou', finishReason: 'length', chunkSize: 3 });
    const cut = summarise(await collect(opened.adapter.stream(call())));
    assert.deepEqual(
      [cut.text, cut.reasoning, cut.finish?.finishReason],
      ['', 'Still thinking abou', 'length'],
    );
    opened.fake.enqueue({ text: 'Still thinking abou', finishReason: 'length' });
    const whole = await opened.adapter.generate(call());
    assert.deepEqual([whole.text, whole.reasoningText], ['', 'Still thinking abou']);
  } finally {
    await opened.fake.close();
  }
});

test('reasoning_content never reaches the text, and reasoning_tokens come out of completion_tokens', async () => {
  harness.fake.enqueue({ reasoning: 'deep thought', text: 'answer', usage: { output: 2, reasoning: 30 } });
  const answer = await harness.adapter.generate(call());
  assert.equal(answer.text, 'answer');
  assert.equal(answer.usage.output, 2);
  assert.equal(answer.usage.reasoning, 30);
});

test('finish content_filter with no text is a ContentFilteredError', async () => {
  harness.fake.enqueue({ text: '', finishReason: 'content-filter' });
  await assert.rejects(harness.adapter.generate(call()), ContentFilteredError);
  harness.fake.enqueue({ text: '', finishReason: 'content-filter' });
  await assert.rejects(collect(harness.adapter.stream(call())), ContentFilteredError);
});

test('retry-after-ms and HTTP-date Retry-After are read', async () => {
  harness.fake.enqueue({ error: 'rate-limited', headers: { 'retry-after-ms': '1234' } });
  await assert.rejects(
    harness.adapter.generate(call()),
    (error: RateLimitedError) => error.retryAfterMs === 1234,
  );
  const date = new Date(Date.now() + 60_000).toUTCString();
  harness.fake.enqueue({ error: 'rate-limited', headers: { 'retry-after': date } });
  await assert.rejects(
    harness.adapter.generate(call()),
    (error: RateLimitedError) =>
      error.retryAfterMs !== undefined && error.retryAfterMs > 55_000 && error.retryAfterMs <= 60_000,
  );
});
