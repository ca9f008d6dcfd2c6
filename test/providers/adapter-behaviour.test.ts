import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import {
  AuthError,
  BadRequestError,
  ContextTooLongError,
  MalformedResponseError,
  ModelNotFoundError,
  ProviderError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  UnreachableError,
} from '../../src/contracts/errors/index.ts';
import { createModelAdapter } from '../../src/providers/create-model-adapter.ts';
import { fakeModelConfig, fakeProviderConfig } from '../fakes/fake-provider-config.ts';
import { refusedConnectionUrl } from '../fakes/refused-connection-url.ts';
import type { FakeModelServer } from '../fakes/start-fake-model-server.ts';
import { apis, call, collect, modes, run, startHarness, summarise } from './adapter-harness.ts';

// The same behaviour, asserted for every wire protocol over real HTTP against its fake.
for (const api of apis) {
  describe(api, () => {
    let fake: FakeModelServer;
    let adapter: ReturnType<typeof createModelAdapter>;
    let apiKey: string;
    before(async () => {
      const harness = await startHarness(api, { model: { reasoning: true } });
      fake = harness.fake;
      adapter = harness.adapter;
      apiKey = harness.provider.apiKey!;
    });
    after(() => fake.close());

    test('generate returns text, reasoning apart, and normalised usage', async () => {
      fake.enqueue({
        text: 'It is 42.',
        reasoning: 'Six sevens are forty-two.',
        usage: { input: 100, cachedInput: 40, output: 7, reasoning: 9 },
      });
      const answer = await adapter.generate(call());
      assert.equal(answer.text, 'It is 42.');
      assert.equal(answer.reasoningText, 'Six sevens are forty-two.');
      assert.equal(answer.finishReason, 'stop');
      // Anthropic and Ollama report no thinking count: the adapter estimates ceil(25 / 4) = 7.
      const reasoning = api === 'anthropic-messages' || api === 'ollama' ? 7 : 9;
      const output = api === 'anthropic-messages' || api === 'ollama' ? 7 + 9 - 7 : 7;
      const cachedInput = api === 'ollama' ? 0 : 40;
      assert.deepEqual(answer.usage, { input: 100, cachedInput, output, reasoning });
    });

    test('stream yields reasoning and text deltas, then finish with usage', async () => {
      fake.enqueue({
        text: 'It is 42, of course.',
        reasoning: 'Six sevens are forty-two.',
        chunkSize: 4,
        usage: { input: 50, output: 6, reasoning: 7 },
      });
      const events = await collect(adapter.stream(call()));
      const { text, reasoning, finish } = summarise(events);
      assert.equal(text, 'It is 42, of course.');
      assert.equal(reasoning, 'Six sevens are forty-two.');
      assert.ok(
        events.filter((event) => event.type === 'text-delta').length > 1,
        'text arrives in several deltas',
      );
      assert.equal(finish?.finishReason, 'stop');
      assert.equal(finish?.usage.input, 50);
      assert.equal(finish?.usage.reasoning, 7);
      assert.equal(finish?.usage.output, 6);
    });

    for (const mode of modes) {
      test(`${mode}: tool calls come back with name and JSON arguments`, async () => {
        fake.enqueue({ toolCalls: [{ id: 'call_a', name: 'multiply', arguments: '{"a":6,"b":7}' }] });
        const tools = [
          { name: 'multiply', parameters: { type: 'object', properties: { a: { type: 'number' } } } },
        ];
        const result = await run(adapter, mode, call({ tools }));
        const toolCalls = Array.isArray(result)
          ? result.flatMap((event) => (event.type === 'tool-call' ? [event.toolCall] : []))
          : result.toolCalls;
        const finishReason = Array.isArray(result)
          ? summarise(result).finish?.finishReason
          : result.finishReason;
        assert.equal(toolCalls.length, 1);
        assert.equal(toolCalls[0].name, 'multiply');
        assert.deepEqual(JSON.parse(toolCalls[0].arguments), { a: 6, b: 7 });
        assert.ok(toolCalls[0].id);
        assert.equal(finishReason, 'tool-calls');
      });

      test(`${mode}: a reasoning model that only thought gives empty text, reasoning and finish length`, async () => {
        fake.enqueue({ emptyWithReasoning: true });
        const result = await run(adapter, mode, call());
        const summary = Array.isArray(result)
          ? summarise(result)
          : {
              text: result.text,
              reasoning: result.reasoningText,
              finish: { finishReason: result.finishReason },
            };
        assert.equal(summary.text, '');
        assert.ok(summary.reasoning.length > 50);
        assert.equal(summary.finish?.finishReason, 'length');
      });

      test(`${mode}: missing usage is zeros`, {
        skip: api === 'anthropic-messages' && 'Anthropic always sends usage',
      }, async () => {
        fake.enqueue({ usage: null, text: 'No usage here.' });
        const result = await run(adapter, mode, call());
        const usage = Array.isArray(result) ? summarise(result).finish?.usage : result.usage;
        assert.deepEqual(usage, { input: 0, output: 0, reasoning: 0, cachedInput: 0 });
      });

      const cases = [
        { error: 'rate-limited', type: RateLimitedError },
        { error: 'server', type: ServerError },
        { error: 'overloaded', type: ServerError },
        { error: 'auth', type: AuthError },
        { error: 'bad-request', type: BadRequestError },
        { error: 'context-too-long', type: ContextTooLongError },
        { error: 'model-not-found', type: ModelNotFoundError },
      ] as const;
      for (const { error, type } of cases) {
        test(`${mode}: ${error} in the provider's error shape is a ${type.name}`, async () => {
          fake.enqueue({ error });
          await assert.rejects(run(adapter, mode, call()), (thrown: unknown) => {
            assert.ok(thrown instanceof type, `got ${inspect(thrown)}`);
            assert.equal((thrown as ProviderError).provider, `fake-${api}`);
            assert.equal((thrown as ProviderError).model, 'fake-model');
            return true;
          });
        });
      }

      test(`${mode}: a failure is reported after exactly one request (adapters never retry)`, async () => {
        const before = fake.requests.length;
        // A retry would reach the default (successful) behaviour and resolve.
        fake.enqueue({ error: 'overloaded' });
        await assert.rejects(run(adapter, mode, call()), ServerError);
        assert.equal(fake.requests.length, before + 1);
      });

      test(`${mode}: Retry-After seconds become retryAfterMs`, async () => {
        fake.enqueue({ error: 'rate-limited', headers: { 'retry-after': '7' } });
        await assert.rejects(run(adapter, mode, call()), (thrown: RateLimitedError) => {
          assert.ok(thrown instanceof RateLimitedError);
          assert.equal(thrown.retryAfterMs, 7000);
          assert.equal(thrown.retryable, true);
          return true;
        });
      });

      test(`${mode}: a refused connection is an UnreachableError`, async () => {
        const provider = fakeProviderConfig({ api, baseUrl: await refusedConnectionUrl() });
        const refused = createModelAdapter({ provider, model: fakeModelConfig(provider) });
        await assert.rejects(run(refused, mode, call()), UnreachableError);
      });

      test(`${mode}: a malformed body is a MalformedResponseError`, async () => {
        fake.enqueue({ malformed: true });
        await assert.rejects(run(adapter, mode, call()), MalformedResponseError);
      });

      test(`${mode}: aborting through the signal rejects with the abort, not a provider error`, async () => {
        fake.enqueue({ hang: true });
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 50);
        await assert.rejects(run(adapter, mode, call({ signal: controller.signal })), (thrown: Error) => {
          assert.ok(!(thrown instanceof ProviderError), `got ${inspect(thrown)}`);
          assert.equal(thrown.name, 'AbortError');
          return true;
        });
      });

      test(`${mode}: the API key never appears in an error, even when the provider echoes it`, async () => {
        fake.enqueue({
          status: 401,
          errorBody: echoingAuthError(api, `Incorrect API key provided: ${apiKey}`),
        });
        await assert.rejects(run(adapter, mode, call()), (thrown: Error) => {
          assert.ok(thrown instanceof AuthError);
          assert.ok(!thrown.message.includes(apiKey), thrown.message);
          assert.ok(!inspect(thrown, { depth: 10 }).includes(apiKey));
          assert.match(thrown.message, /\[redacted\]/);
          return true;
        });
      });
    }

    test('generate: a server that never answers ends with a total timeout', async () => {
      fake.enqueue({ hang: true });
      const timeouts = { connectMs: 100, firstTokenMs: 100, totalMs: 200 };
      await assert.rejects(adapter.generate(call({ timeouts })), (thrown: TimeoutError) => {
        assert.ok(thrown instanceof TimeoutError, inspect(thrown));
        // Non-streaming calls only enforce the total limit (headers come with the whole body).
        assert.equal(thrown.phase, 'total');
        assert.match(thrown.message, /within 200 ms/);
        return true;
      });
    });

    test('stream: no response headers in connectMs is a connect timeout', async () => {
      fake.enqueue({ hang: true });
      const timeouts = { connectMs: 200, firstTokenMs: 1000, totalMs: 2000 };
      await assert.rejects(collect(adapter.stream(call({ timeouts }))), (thrown: TimeoutError) => {
        assert.ok(thrown instanceof TimeoutError, inspect(thrown));
        assert.equal(thrown.phase, 'connect');
        assert.equal(thrown.timeoutMs, 200);
        return true;
      });
    });

    test('stream: headers but no token in firstTokenMs is a first-token timeout', async () => {
      fake.enqueue({ ttftMs: 1500 });
      const timeouts = { connectMs: 1000, firstTokenMs: 200, totalMs: 3000 };
      await assert.rejects(collect(adapter.stream(call({ timeouts }))), (thrown: TimeoutError) => {
        assert.ok(thrown instanceof TimeoutError, inspect(thrown));
        assert.equal(thrown.phase, 'first-token');
        return true;
      });
    });

    test('stream: a slow stream past totalMs is a total timeout, after some text', async () => {
      fake.enqueue({ text: 'a long and slow answer that trickles in', chunkSize: 2, chunkDelayMs: 60 });
      const timeouts = { connectMs: 1000, firstTokenMs: 1000, totalMs: 400 };
      const seen: string[] = [];
      await assert.rejects(
        (async () => {
          for await (const event of adapter.stream(call({ timeouts })))
            if (event.type === 'text-delta') seen.push(event.text);
        })(),
        (thrown: TimeoutError) => {
          assert.ok(thrown instanceof TimeoutError, inspect(thrown));
          assert.equal(thrown.phase, 'total');
          return true;
        },
      );
      assert.ok(seen.length > 0, 'some text arrived before the timeout');
    });

    test('stream: a stream cut mid-way is a MalformedResponseError', async () => {
      fake.enqueue({ text: 'this answer will be cut off half way', chunkSize: 3, cutAfterChunks: 4 });
      await assert.rejects(collect(adapter.stream(call())), (thrown: unknown) => {
        assert.ok(thrown instanceof MalformedResponseError, inspect(thrown));
        return true;
      });
    });

    test('stream: a stream that ends cleanly before its final event is a MalformedResponseError, not a short answer', async () => {
      fake.enqueue({ text: 'this answer will end half way', chunkSize: 3, endAfterChunks: 4 });
      await assert.rejects(collect(adapter.stream(call())), (thrown: unknown) => {
        assert.ok(thrown instanceof MalformedResponseError, inspect(thrown));
        return true;
      });
    });

    for (const mode of modes) {
      test(`${mode}: a 200 whose body is the protocol's error is a provider error, not an empty answer`, async () => {
        fake.enqueue({ error: 'server', status: 200 });
        await assert.rejects(run(adapter, mode, call()), (thrown: unknown) => {
          assert.ok(thrown instanceof ProviderError, inspect(thrown));
          return true;
        });
      });
    }

    test('a stream the consumer leaves early releases the connection', async () => {
      fake.enqueue({ text: 'x'.repeat(200), chunkSize: 2, chunkDelayMs: 20 });
      for await (const event of adapter.stream(call())) if (event.type === 'text-delta') break;
      fake.enqueue({ text: 'next' });
      assert.equal((await adapter.generate(call())).text, 'next');
    });
  });
}

/** A 401 body in each protocol's real shape, with a message of our choosing. */
function echoingAuthError(api: string, message: string): unknown {
  if (api === 'ollama') return { error: message };
  if (api === 'anthropic-messages')
    return { type: 'error', error: { type: 'authentication_error', message } };
  if (api === 'google-generative-ai') return { error: { code: 401, message, status: 'UNAUTHENTICATED' } };
  return { error: { message, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } };
}
