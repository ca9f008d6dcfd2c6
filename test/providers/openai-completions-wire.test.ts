// Shapes of real OpenAI-compatible servers that the fake model server does not produce: the adapter
// reads them as the AI SDK's openai-compatible package did, field for field.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ContentFilteredError, RateLimitedError } from '../../src/contracts/errors/index.ts';
import { createModelAdapter } from '../../src/providers/create-model-adapter.ts';
import { fakeModelConfig, fakeProviderConfig } from '../fakes/fake-provider-config.ts';
import { call, collect, summarise } from './adapter-harness.ts';

let server: Server;
let reply: { stream?: string[]; json?: unknown } = {};
let adapter: ReturnType<typeof createModelAdapter>;

before(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (reply.json !== undefined) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(reply.json));
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const piece of reply.stream ?? []) response.write(piece);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const provider = fakeProviderConfig({ api: 'openai-completions', baseUrl });
  adapter = createModelAdapter({ provider, model: fakeModelConfig(provider) });
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const chunk = (choice: object | undefined, extra: object = {}) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: choice ? [{ index: 0, ...choice }] : [], ...extra })}\n\n`;

test('stream: whole tool calls without an index (Gemini) come back in order, each with its id', async () => {
  reply = {
    stream: [
      chunk({
        delta: {
          role: 'assistant',
          tool_calls: [{ id: 'a', type: 'function', function: { name: 'one', arguments: '{"x":1}' } }],
        },
      }),
      chunk({
        delta: { tool_calls: [{ id: 'b', type: 'function', function: { name: 'two', arguments: '{}' } }] },
      }),
      chunk({ delta: {}, finish_reason: 'tool_calls' }),
      'data: [DONE]\n\n',
    ],
  };
  const events = await collect(adapter.stream(call()));
  const toolCalls = events.flatMap((event) => (event.type === 'tool-call' ? [event.toolCall] : []));
  assert.deepEqual(toolCalls, [
    { id: 'a', name: 'one', arguments: '{"x":1}' },
    { id: 'b', name: 'two', arguments: '{}' },
  ]);
  assert.equal(summarise(events).finish?.finishReason, 'tool-calls');
});

test('stream: CRLF framing, comments and "data:" without a space are read', async () => {
  reply = {
    stream: [
      ': OPENROUTER PROCESSING\r\n\r\n',
      `data:${JSON.stringify({ choices: [{ index: 0, delta: { content: 'Hel' } }] })}\r\n\r\n`,
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: 'stop' }] })}\r\n\r\n`,
      `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 2 } })}\r\n\r\n`,
    ],
  };
  const { text, finish } = summarise(await collect(adapter.stream(call())));
  assert.equal(text, 'Hello');
  assert.deepEqual(finish?.usage, { input: 5, cachedInput: 0, output: 2, reasoning: 0 });
});

test('a refusal is the answer text with finish content-filter, both ways', async () => {
  reply = {
    stream: [
      chunk({ delta: { refusal: 'I cannot help with that.' } }),
      chunk({ delta: {}, finish_reason: 'stop' }),
    ],
  };
  const streamed = summarise(await collect(adapter.stream(call())));
  assert.equal(streamed.text, 'I cannot help with that.');
  assert.equal(streamed.finish?.finishReason, 'content-filter');
  reply = {
    json: { choices: [{ message: { content: null, refusal: 'No.' }, finish_reason: 'stop' }] },
  };
  const answer = await adapter.generate(call());
  assert.equal(answer.text, 'No.');
  assert.equal(answer.finishReason, 'content-filter');
});

test('content given as parts: text parts are the answer, thinking parts are reasoning', async () => {
  reply = {
    json: {
      choices: [
        {
          message: {
            content: [
              { type: 'thinking', thinking: [{ type: 'text', text: 'Six sevens.' }] },
              { type: 'text', text: 'It is 42.' },
            ],
          },
          finish_reason: 'stop',
        },
      ],
    },
  };
  const answer = await adapter.generate(call());
  assert.equal(answer.text, 'It is 42.');
  assert.equal(answer.reasoningText, 'Six sevens.');
});

test('`reasoning` (OpenRouter, Ollama /v1) is reasoning like reasoning_content', async () => {
  reply = {
    stream: [
      chunk({ delta: { reasoning: 'hmm' } }),
      chunk({ delta: { content: 'ok' }, finish_reason: 'stop' }),
    ],
  };
  const { text, reasoning } = summarise(await collect(adapter.stream(call())));
  assert.equal(text, 'ok');
  assert.equal(reasoning, 'hmm');
});

test('an error chunk inside a stream is classified from its body', async () => {
  reply = {
    stream: [
      chunk({ delta: { content: 'partial' } }),
      `data: ${JSON.stringify({ error: { message: 'Rate limit exceeded', code: 'rate_limit_exceeded' } })}\n\n`,
    ],
  };
  await assert.rejects(collect(adapter.stream(call())), RateLimitedError);
});

test('content_filter with no text is a ContentFilteredError; a stream that ends without a finish reason is malformed', async () => {
  reply = { json: { choices: [{ message: { content: '' }, finish_reason: 'content_filter' }] } };
  await assert.rejects(adapter.generate(call()), ContentFilteredError);
  reply = { stream: [chunk({ delta: { content: 'cut' } })] };
  await assert.rejects(collect(adapter.stream(call())), { code: 'malformed_response' });
});

test('an answer without choices is malformed, not an empty answer', async () => {
  reply = { json: { object: 'chat.completion', choices: [] } };
  await assert.rejects(adapter.generate(call()), { code: 'malformed_response' });
  reply = { stream: [`data: ${JSON.stringify({ object: 'chat.completion.chunk' })}\n\n`] };
  await assert.rejects(collect(adapter.stream(call())), { code: 'malformed_response' });
});

test('a 200 whose body is an error document is classified from it, asked for a stream or not', async () => {
  reply = {
    json: { error: { message: 'Rate limit exceeded', type: 'requests', code: 'rate_limit_exceeded' } },
  };
  await assert.rejects(adapter.generate(call()), RateLimitedError);
  await assert.rejects(collect(adapter.stream(call())), RateLimitedError);
  reply = { json: { error: { message: 'The engine is currently overloaded', type: 'server_error' } } };
  await assert.rejects(collect(adapter.stream(call())), { code: 'server_error' });
  reply = {
    json: { object: 'chat.completion', choices: [{ message: { content: 'hi' }, finish_reason: 'stop' }] },
  };
  await assert.rejects(collect(adapter.stream(call())), {
    code: 'malformed_response',
    message: /a JSON document where an event stream was asked for/,
  });
});
