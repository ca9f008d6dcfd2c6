import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { adminToken, clientToken, startTestGateway, type TestGateway } from './start-test-gateway.ts';

describe('the official openai SDK against the gateway', () => {
  let gw: TestGateway;
  let client: OpenAI;

  before(async () => {
    gw = await startTestGateway();
    client = new OpenAI({ apiKey: clientToken, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  after(() => gw.close());

  test('non-streaming: the answer, the model that answered, usage and the x-pyramid headers', async () => {
    gw.local.enqueue({ text: 'billing', usage: { input: 30, output: 2 } });
    const { data, response } = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'My invoice is wrong' }], max_tokens: 50 })
      .withResponse();
    assert.equal(data.choices[0].message.content, 'billing');
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.equal(data.model, 'local-model');
    assert.equal(data.usage?.prompt_tokens, 30);
    assert.equal(data.usage?.completion_tokens, 2);
    assert.equal(data.usage?.total_tokens, 32);
    assert.equal(response.headers.get('x-pyramid-model'), 'local-model');
    assert.equal(response.headers.get('x-pyramid-tier'), '0');
    assert.equal(response.headers.get('x-pyramid-attempts'), '1');
    assert.equal(Number(response.headers.get('x-pyramid-cost-usd')), 0);
    const requestId = response.headers.get('x-pyramid-request-id');
    assert.ok(requestId);
    const stored = await gw.platform.ledger.getRequest(requestId);
    assert.equal(stored?.callerTag, 'support-bot', 'the request is tagged with the token name');
    const sent = gw.local.requests.at(-1)!.body as { messages: { content: string }[] };
    assert.equal(sent.messages.at(-1)?.content, 'My invoice is wrong');
  });

  test('streaming with stream_options.include_usage: text deltas, a finish reason, then a usage chunk', async () => {
    gw.local.enqueue({
      text: 'Hello there, streaming world.',
      chunkSize: 5,
      usage: { input: 11, output: 7 },
    });
    const stream = await client.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    let deltas = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) {
        text += chunk.choices[0].delta.content;
        deltas++;
      }
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage;
      assert.equal(chunk.model, 'local-model');
    }
    assert.equal(text, 'Hello there, streaming world.');
    assert.ok(deltas > 1, 'the answer arrives in several chunks');
    assert.equal(finish, 'stop');
    assert.equal(usage?.prompt_tokens, 11);
    assert.equal(usage?.completion_tokens, 7);
  });

  test('streaming without include_usage sends no usage chunk', async () => {
    gw.local.enqueue({ text: 'short' });
    const stream = await client.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const chunks = await Array.fromAsync(stream);
    assert.ok(chunks.every((chunk) => !chunk.usage));
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'short');
  });

  test('tier:1, task:summarize and x-pyramid-task start higher; a configured name pins the model', async () => {
    gw.cloud.enqueue({ text: 'from the cloud' }, { text: 'summary' }, { text: 'pinned' });
    const byTier = await client.chat.completions.create({
      model: 'tier:1',
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.equal(byTier.model, 'cloud-model');
    const byTask = await client.chat.completions.create({
      model: 'task:summarize',
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.equal(byTask.model, 'cloud-model');
    const pinned = await client.chat.completions.create({
      model: 'cloud-model',
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.equal(pinned.choices[0].message.content, 'pinned');
    gw.cloud.enqueue({ text: 'by header' });
    const byHeader = await client.chat.completions.create(
      { model: 'auto', messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-pyramid-task': 'summarize' } },
    );
    assert.equal(byHeader.model, 'cloud-model');
    assert.equal(byHeader.choices[0].message.content, 'by header');
  });

  test('response_format json_schema reaches the router: an off-schema answer escalates to a valid one', async () => {
    gw.local.enqueue({ text: '{"category":"billing"}' });
    gw.cloud.enqueue({ text: '{"label":"billing"}' });
    const schema = { type: 'object', properties: { label: { type: 'string' } }, required: ['label'] };
    const { data, response } = await client.chat.completions
      .create({
        model: 'auto',
        messages: [{ role: 'user', content: 'classify' }],
        response_format: { type: 'json_schema', json_schema: { name: 'label', schema } },
      })
      .withResponse();
    assert.deepEqual(JSON.parse(data.choices[0].message.content ?? ''), { label: 'billing' });
    assert.equal(data.model, 'cloud-model');
    assert.equal(response.headers.get('x-pyramid-attempts'), '2');
    const sent = gw.cloud.requests.at(-1)!.body as { response_format?: { type: string } };
    assert.match(sent.response_format?.type ?? '', /^json_/, 'the provider was asked for JSON');
  });

  test('response_format json_object: an answer that is not JSON escalates', async () => {
    gw.local.enqueue({ text: 'billing, I think' });
    gw.cloud.enqueue({ text: '{"label":"billing"}' });
    const result = await client.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'classify as JSON' }],
      response_format: { type: 'json_object' },
    });
    assert.equal(result.model, 'cloud-model');
  });

  test('tools pass through and tool calls come back, streaming too', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'lookup_invoice',
          description: 'Find an invoice',
          parameters: { type: 'object', properties: { id: { type: 'string' } } },
        },
      },
    ];
    gw.cloud.enqueue({ toolCalls: [{ id: 'call_a', name: 'lookup_invoice', arguments: '{"id":"42"}' }] });
    const result = await client.chat.completions.create({
      model: 'tier:1',
      messages: [{ role: 'user', content: 'find invoice 42' }],
      tools,
    });
    assert.equal(result.choices[0].finish_reason, 'tool_calls');
    const call = result.choices[0].message.tool_calls?.[0];
    assert.equal(call?.type === 'function' && call.function.name, 'lookup_invoice');
    assert.equal(call?.type === 'function' && call.function.arguments, '{"id":"42"}');
    const sent = gw.cloud.requests.at(-1)!.body as { tools?: { function: { name: string } }[] };
    assert.equal(sent.tools?.[0].function.name, 'lookup_invoice');

    gw.cloud.enqueue({ toolCalls: [{ id: 'call_b', name: 'lookup_invoice', arguments: '{"id":"7"}' }] });
    const stream = await client.chat.completions.create({
      model: 'tier:1',
      messages: [{ role: 'user', content: 'find invoice 7' }],
      tools,
      stream: true,
    });
    const chunks = await Array.fromAsync(stream);
    const streamed = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    assert.equal(streamed[0]?.function?.name, 'lookup_invoice');
    assert.equal(streamed[0]?.function?.arguments, '{"id":"7"}');
  });

  test('models.list shows the virtual models and the configured ones', async () => {
    const ids = (await Array.fromAsync(client.models.list())).map((model) => model.id);
    for (const id of [
      'auto',
      'task:default',
      'task:summarize',
      'tier:0',
      'tier:1',
      'local-model',
      'cloud-model',
    ])
      assert.ok(ids.includes(id), id);
  });

  test('the SDK raises the OpenAI-style errors: a wrong key is an AuthenticationError', async () => {
    const wrong = new OpenAI({
      apiKey: 'pyr_wrong_token_xxxxxxxxxxxxxxxx',
      baseURL: `${gw.url}/v1`,
      maxRetries: 0,
    });
    await assert.rejects(
      wrong.models.list(),
      (error: unknown) => error instanceof OpenAI.AuthenticationError,
    );
    const admin = new OpenAI({ apiKey: adminToken, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await assert.rejects(
      admin.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) =>
        error instanceof OpenAI.BadRequestError && /Valid models: auto, task:default/.test(error.message),
    );
  });
});
