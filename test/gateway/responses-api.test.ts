// OpenAI's Responses API through the gateway, with the official openai SDK and the AI SDK's default
// provider (which speaks only the Responses API): text, the event stream, function tool round trips,
// text.format json_schema, previous_response_id chaining, store: false, GET and DELETE by id.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { adminToken, clientToken, startTestGateway, type TestGateway } from './start-test-gateway.ts';

type Body = Record<string, unknown>;
type SentMessage = {
  role: string;
  content: string | null;
  tool_calls?: { id: string; function: Body }[];
  tool_call_id?: string;
};
const lookup = {
  type: 'function' as const,
  name: 'lookup_invoice',
  description: 'Finds an invoice',
  parameters: { type: 'object', properties: { number: { type: 'string' } }, required: ['number'] },
  strict: false,
};

describe('the Responses API with the official openai SDK', () => {
  let gw: TestGateway;
  let client: OpenAI;
  before(async () => {
    gw = await startTestGateway();
    client = new OpenAI({ apiKey: clientToken, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  after(() => gw.close());

  test('responses.create: output_text, the model that answered, usage, instructions as the system prompt', async () => {
    gw.local.enqueue({ text: 'billing', usage: { input: 30, output: 2 } });
    const { data, response } = await client.responses
      .create({ model: 'auto', instructions: 'Answer bug or billing.', input: 'My invoice is wrong' })
      .withResponse();
    assert.equal(data.object, 'response');
    assert.equal(data.status, 'completed');
    assert.equal(data.output_text, 'billing');
    assert.equal(data.model, 'local-model');
    assert.equal(data.usage?.input_tokens, 30);
    assert.equal(data.usage?.output_tokens, 2);
    assert.equal(response.headers.get('x-pyramid-model'), 'local-model');
    const sent = gw.local.requests.at(-1)!.body as { messages: SentMessage[] };
    assert.deepEqual(sent.messages, [
      { role: 'system', content: 'Answer bug or billing.' },
      { role: 'user', content: 'My invoice is wrong' },
    ]);
  });

  test('stream: the Responses event sequence, ending in response.completed with usage', async () => {
    gw.local.enqueue({
      text: 'Hello there, streaming world.',
      chunkSize: 5,
      usage: { input: 11, output: 7 },
    });
    const stream = await client.responses.create({ model: 'auto', input: 'hi', stream: true });
    const types: string[] = [];
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    assert.equal(text, 'Hello there, streaming world.');
    const distinct = types.filter((type, index) => type !== types[index - 1]);
    assert.deepEqual(distinct, [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    assert.equal(completed?.usage?.output_tokens, 7);
    const message = completed?.output[0] as { content: { text: string }[] } | undefined;
    assert.equal(message?.content[0].text, 'Hello there, streaming world.');
  });

  for (const streaming of [false, true]) {
    test(`${streaming ? 'stream' : 'create'}: a function_call out, its function_call_output back through previous_response_id`, async () => {
      gw.cloud.enqueue({
        toolCalls: [{ id: 'call_inv', name: 'lookup_invoice', arguments: '{"number":"INV-7"}' }],
      });
      const params = {
        model: 'tier:1',
        input: 'Which invoice?',
        tools: [lookup],
        tool_choice: 'required' as const,
      };
      const first = streaming
        ? await client.responses.stream(params).finalResponse()
        : await client.responses.create(params);
      const call = first.output.find((item) => item.type === 'function_call');
      assert.ok(call && call.type === 'function_call');
      assert.equal(call.name, 'lookup_invoice');
      assert.deepEqual(JSON.parse(call.arguments), { number: 'INV-7' });
      assert.equal((gw.cloud.requests.at(-1)!.body as Body).tool_choice, 'required');

      gw.cloud.enqueue({ text: 'INV-7 is paid.' });
      const second = await client.responses.create({
        model: 'tier:1',
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: 'INV-7: paid on 3 May' }],
        tools: [lookup],
      });
      assert.equal(second.output_text, 'INV-7 is paid.');
      assert.equal(second.previous_response_id, first.id);
      const sent = gw.cloud.requests.at(-1)!.body as { messages: SentMessage[] };
      assert.deepEqual(
        sent.messages.map((message) => message.role),
        ['user', 'assistant', 'tool'],
      );
      assert.equal(sent.messages[1].tool_calls?.[0].id, call.call_id);
      assert.equal(sent.messages[2].tool_call_id, call.call_id);
      assert.equal(sent.messages[2].content, 'INV-7: paid on 3 May');
    });
  }

  test('the round trip also works with the items sent back explicitly (store: false)', async () => {
    gw.cloud.enqueue({ text: 'paid' });
    const response = await client.responses.create({
      model: 'tier:1',
      store: false,
      tools: [lookup],
      input: [
        { role: 'user', content: 'Which invoice?' },
        { type: 'function_call', call_id: 'call_x', name: 'lookup_invoice', arguments: '{"number":"1"}' },
        { type: 'function_call_output', call_id: 'call_x', output: 'paid' },
      ],
    });
    assert.equal(response.output_text, 'paid');
    const sent = gw.cloud.requests.at(-1)!.body as { messages: SentMessage[] };
    assert.equal(sent.messages[1].tool_calls?.[0].id, 'call_x');
    assert.equal(sent.messages[2].tool_call_id, 'call_x');
  });

  test('text.format json_schema reaches the model as a schema; responses.parse gives the object', async () => {
    const Ticket = z.object({ label: z.enum(['bug', 'billing']) });
    gw.cloud.enqueue({ text: '{"label":"bug"}' });
    const parsed = await client.responses.parse({
      model: 'tier:1',
      input: 'The app crashes',
      text: { format: zodTextFormat(Ticket, 'ticket') },
    });
    assert.deepEqual(parsed.output_parsed, { label: 'bug' });
    const format = (gw.cloud.requests.at(-1)!.body as Body).response_format as {
      type: string;
      json_schema: Body;
    };
    assert.equal(format.type, 'json_schema');
    assert.equal(format.json_schema.name, 'ticket');
    assert.equal(format.json_schema.strict, true);
  });

  test('previous_response_id carries the conversation (not the instructions); GET returns the stored response', async () => {
    gw.local.enqueue({ text: 'Nice to meet you, Ada.' });
    const first = await client.responses.create({
      model: 'auto',
      instructions: 'Be warm.',
      input: 'I am Ada.',
    });
    gw.local.enqueue({ text: 'You are Ada.' });
    const second = await client.responses.create({
      model: 'auto',
      previous_response_id: first.id,
      input: 'Who am I?',
    });
    const sent = gw.local.requests.at(-1)!.body as { messages: SentMessage[] };
    assert.deepEqual(sent.messages, [
      { role: 'user', content: 'I am Ada.' },
      { role: 'assistant', content: 'Nice to meet you, Ada.' },
      { role: 'user', content: 'Who am I?' },
    ]);
    const fetched = await client.responses.retrieve(second.id);
    assert.equal(fetched.id, second.id);
    assert.equal(fetched.output_text, 'You are Ada.');
  });

  test('store: false keeps nothing: GET is 404 and continuing from it is a 400', async () => {
    gw.local.enqueue({ text: 'forgotten' });
    const response = await client.responses.create({ model: 'auto', input: 'hi', store: false });
    await assert.rejects(
      client.responses.retrieve(response.id),
      (error: unknown) => error instanceof OpenAI.NotFoundError,
    );
    await assert.rejects(
      client.responses.create({ model: 'auto', input: 'again', previous_response_id: response.id }),
      (error: unknown) =>
        error instanceof OpenAI.BadRequestError &&
        (error.error as { param?: string }).param === 'previous_response_id',
    );
  });

  test('a stored response is visible only to its token (and admins); DELETE removes it', async () => {
    gw.local.enqueue({ text: 'mine' });
    const admin = new OpenAI({ apiKey: adminToken, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const own = await admin.responses.create({ model: 'auto', input: 'hi' });
    await assert.rejects(
      client.responses.retrieve(own.id),
      (error: unknown) => error instanceof OpenAI.NotFoundError,
    );
    gw.local.enqueue({ text: 'theirs' });
    const theirs = await client.responses.create({ model: 'auto', input: 'hi' });
    assert.equal((await admin.responses.retrieve(theirs.id)).output_text, 'theirs');
    await client.responses.delete(theirs.id);
    await assert.rejects(
      client.responses.retrieve(theirs.id),
      (error: unknown) => error instanceof OpenAI.NotFoundError,
    );
  });

  test('a stream broken after its start ends with error and response.failed', async () => {
    gw.local.enqueue({
      text: 'This answer will break half way.',
      chunkSize: 4,
      chunkDelayMs: 30,
      cutAfterChunks: 3,
    });
    const stream = await client.responses.create({ model: 'local-model', input: 'x', stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    assert.ok(types.includes('response.output_text.delta'));
    assert.deepEqual(types.slice(-2), ['error', 'response.failed']);
  });
});

describe("the AI SDK's default openai provider (Responses API)", () => {
  let gw: TestGateway;
  let provider: ReturnType<typeof createOpenAI>;
  before(async () => {
    gw = await startTestGateway();
    provider = createOpenAI({ apiKey: clientToken, baseURL: `${gw.url}/v1` });
  });
  after(() => gw.close());

  test('generateText', async () => {
    gw.local.enqueue({ text: 'billing', usage: { input: 9, output: 2 } });
    const result = await generateText({
      model: provider('auto'),
      prompt: 'My invoice is wrong',
      maxRetries: 0,
    });
    assert.equal(result.text, 'billing');
    assert.equal(result.usage.inputTokens, 9);
    assert.equal(result.usage.outputTokens, 2);
    assert.equal(result.response.modelId, 'local-model');
  });

  test('streamText', async () => {
    gw.local.enqueue({ text: 'Hello there, streaming world.', chunkSize: 5 });
    const result = streamText({ model: provider('auto'), prompt: 'hi', maxRetries: 0 });
    const parts: string[] = [];
    for await (const part of result.textStream) parts.push(part);
    assert.ok(parts.length > 1);
    assert.equal(parts.join(''), 'Hello there, streaming world.');
    assert.equal(await result.finishReason, 'stop');
  });

  test('a tool call and its result, round trip', async () => {
    gw.cloud.enqueue(
      { toolCalls: [{ id: 'call_t', name: 'lookup_invoice', arguments: '{"number":"INV-7"}' }] },
      { text: 'INV-7 is paid.' },
    );
    let executed: unknown;
    const result = await generateText({
      model: provider('tier:1'),
      prompt: 'Which invoice?',
      maxRetries: 0,
      tools: {
        lookup_invoice: tool({
          description: 'Finds an invoice',
          inputSchema: jsonSchema<{ number: string }>({
            type: 'object',
            properties: { number: { type: 'string' } },
          }),
          execute: async (input) => {
            executed = input;
            return 'paid';
          },
        }),
      },
      stopWhen: ({ steps }) => steps.length >= 2,
    });
    assert.deepEqual(executed, { number: 'INV-7' });
    assert.equal(result.text, 'INV-7 is paid.');
    const sent = gw.cloud.requests.at(-1)!.body as { messages: SentMessage[] };
    assert.equal(sent.messages.at(-1)?.role, 'tool');
    assert.equal(sent.messages.at(-1)?.tool_call_id, 'call_t');
  });
});
