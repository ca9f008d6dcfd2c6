// The official Anthropic SDK (what Claude Code and most Anthropic tooling use) against POST /v1/messages.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { clientToken, startTestGateway, type TestGateway } from './start-test-gateway.ts';

type Body = Record<string, unknown>;
const lookup = {
  name: 'lookup_invoice',
  description: 'Finds an invoice',
  input_schema: { type: 'object' as const, properties: { number: { type: 'string' } } },
};

describe('the official @anthropic-ai/sdk against the gateway', () => {
  let gw: TestGateway;
  let client: Anthropic;
  before(async () => {
    gw = await startTestGateway();
    client = new Anthropic({ apiKey: clientToken, baseURL: gw.url, maxRetries: 0 });
  });
  after(() => gw.close());

  test('messages.create: the answer, the model that answered, usage, stop_reason; the system prompt goes upstream', async () => {
    gw.local.enqueue({ text: 'billing', usage: { input: 30, output: 2 } });
    const { data, response } = await client.messages
      .create({
        model: 'auto',
        max_tokens: 50,
        system: 'Answer bug or billing.',
        messages: [{ role: 'user', content: 'My invoice is wrong' }],
      })
      .withResponse();
    assert.equal(data.type, 'message');
    assert.deepEqual(data.content, [{ type: 'text', text: 'billing' }]);
    assert.equal(data.model, 'local-model');
    assert.equal(data.stop_reason, 'end_turn');
    assert.equal(data.usage.input_tokens, 30);
    assert.equal(data.usage.output_tokens, 2);
    assert.equal(response.headers.get('x-pyramid-model'), 'local-model');
    const stored = await gw.platform.ledger.getRequest(response.headers.get('x-pyramid-request-id')!);
    assert.equal(stored?.callerTag, 'support-bot', 'x-api-key authenticates as the token it carries');
    const sent = gw.local.requests.at(-1)!.body as { messages: { role: string; content: string }[] };
    assert.deepEqual(sent.messages[0], { role: 'system', content: 'Answer bug or billing.' });
    assert.equal(sent.messages.at(-1)?.content, 'My invoice is wrong');
  });

  test('messages.stream: text deltas, then the final message with stop_reason and usage', async () => {
    gw.local.enqueue({
      text: 'Hello there, streaming world.',
      chunkSize: 5,
      usage: { input: 11, output: 7 },
    });
    const stream = client.messages.stream({
      model: 'auto',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const deltas: string[] = [];
    stream.on('text', (text) => deltas.push(text));
    const final = await stream.finalMessage();
    assert.ok(deltas.length > 1, 'the answer arrives in several deltas');
    assert.equal(deltas.join(''), 'Hello there, streaming world.');
    assert.equal(final.content.length, 1);
    assert.equal(final.content[0].type === 'text' && final.content[0].text, 'Hello there, streaming world.');
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.output_tokens, 7);
    assert.equal(final.usage.input_tokens, 11);
    assert.equal(final.model, 'local-model');
  });

  for (const stream of [false, true]) {
    test(`${stream ? 'stream' : 'create'}: tool_use out, tool_result back, paired by id upstream`, async () => {
      gw.cloud.enqueue({
        toolCalls: [{ id: 'call_abc', name: 'lookup_invoice', arguments: '{"number":"INV-7"}' }],
      });
      const params = {
        model: 'tier:1',
        max_tokens: 100,
        tools: [lookup],
        tool_choice: { type: 'any' as const },
        messages: [{ role: 'user' as const, content: 'Which invoice?' }],
      };
      const first = stream
        ? await client.messages.stream(params).finalMessage()
        : await client.messages.create(params);
      assert.equal(first.stop_reason, 'tool_use');
      const use = first.content.find((block) => block.type === 'tool_use');
      assert.ok(use && use.type === 'tool_use');
      assert.equal(use.name, 'lookup_invoice');
      assert.deepEqual(use.input, { number: 'INV-7' });
      assert.equal(
        (gw.cloud.requests.at(-1)!.body as Body).tool_choice,
        'required',
        'any is required upstream',
      );

      gw.cloud.enqueue({ text: 'It is INV-7, paid.' });
      const second = await client.messages.create({
        ...params,
        tool_choice: { type: 'auto' },
        messages: [
          ...params.messages,
          { role: 'assistant', content: first.content },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: use.id, content: 'INV-7: paid on 3 May' }],
          },
        ],
      });
      assert.deepEqual(second.content, [{ type: 'text', text: 'It is INV-7, paid.' }]);
      const sent = gw.cloud.requests.at(-1)!.body as { messages: Body[] };
      const assistant = sent.messages.find((message) => message.role === 'assistant') as {
        tool_calls: { id: string; function: { name: string; arguments: string } }[];
      };
      assert.equal(assistant.tool_calls[0].id, use.id);
      assert.deepEqual(JSON.parse(assistant.tool_calls[0].function.arguments), { number: 'INV-7' });
      assert.deepEqual(sent.messages.at(-1), {
        role: 'tool',
        tool_call_id: use.id,
        content: 'INV-7: paid on 3 May',
      });
    });
  }

  test('stop_sequences, top_p and metadata.user_id are passed on; top_k is reported dropped', async () => {
    gw.cloud.enqueue({ text: 'ok' });
    const { response } = await client.messages
      .create({
        model: 'tier:1',
        max_tokens: 20,
        stop_sequences: ['END'],
        top_p: 0.5,
        top_k: 5,
        metadata: { user_id: 'customer-9' },
        messages: [{ role: 'user', content: 'hi' }],
      } as Anthropic.MessageCreateParamsNonStreaming)
      .withResponse();
    const sent = gw.cloud.requests.at(-1)!.body as Body;
    assert.deepEqual(sent.stop, ['END']);
    assert.equal(sent.top_p, 0.5);
    assert.equal(sent.user, 'customer-9');
    assert.equal(response.headers.get('x-pyramid-dropped-params'), 'top_k');
  });

  test('output_config.format json_schema reaches the model as a schema', async () => {
    gw.cloud.enqueue({ text: '{"label":"bug"}' });
    const schema = { type: 'object', properties: { label: { type: 'string' } }, required: ['label'] };
    const message = await client.messages.create({
      model: 'tier:1',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'label it' }],
      output_config: { format: { type: 'json_schema', schema } },
    } as Anthropic.MessageCreateParamsNonStreaming);
    assert.deepEqual(message.content, [{ type: 'text', text: '{"label":"bug"}' }]);
    const format = (gw.cloud.requests.at(-1)!.body as Body).response_format as { json_schema: Body };
    assert.deepEqual(format.json_schema.schema, schema);
  });

  test('count_tokens gives an estimate', async () => {
    const counted = await client.messages.countTokens({
      model: 'auto',
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'a'.repeat(400) }],
    });
    assert.ok(counted.input_tokens >= 100 && counted.input_tokens < 130, String(counted.input_tokens));
  });

  test('errors come in Anthropic shape and become the SDK typed errors', async () => {
    const wrongKey = new Anthropic({
      apiKey: 'pyr_wrong_key_0000000000000000',
      baseURL: gw.url,
      maxRetries: 0,
    });
    await assert.rejects(
      wrongKey.messages.create({ model: 'auto', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) =>
        error instanceof Anthropic.AuthenticationError &&
        (error.error as { error: { type: string } }).error.type === 'authentication_error',
    );
    await assert.rejects(
      client.messages.create({
        model: 'no-such-model',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: unknown) =>
        error instanceof Anthropic.BadRequestError &&
        (error.error as { error: { type: string; message: string } }).error.type ===
          'invalid_request_error' &&
        /no-such-model/.test((error.error as { error: { message: string } }).error.message),
    );
    const raw = await gw.call('/v1/messages', {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'x' }] }),
    });
    assert.equal(raw.status, 400);
    const body = (await raw.json()) as { type: string; error: Body };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(String(body.error.message), /max_tokens/);
  });

  test('every candidate failing is a 502 api_error; a stream broken after its start is an error event', async () => {
    gw.local.enqueue({ error: 'server' });
    gw.cloud.enqueue({ error: 'server' });
    await assert.rejects(
      client.messages.create({ model: 'auto', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof Anthropic.APIError && error.status === 502,
    );
    gw.local.enqueue({
      text: 'This answer will break half way.',
      chunkSize: 4,
      chunkDelayMs: 30,
      cutAfterChunks: 3,
    });
    const stream = client.messages.stream({
      model: 'local-model',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'x' }],
    });
    await assert.rejects(stream.finalMessage(), /stream broke after it started/);
  });

  test('messages.stream with thinking: thinking_delta events, a signature_delta, then the text; the final message has both blocks', async () => {
    gw.local.enqueue({ reasoning: 'The invoice total looks doubled.', text: 'billing', chunkSize: 6 });
    const stream = client.messages.stream({
      model: 'auto',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [{ role: 'user', content: 'My invoice is wrong' }],
    });
    const thinking: string[] = [];
    const signatures: string[] = [];
    const order: string[] = [];
    stream.on('thinking', (delta) => thinking.push(delta));
    stream.on('signature', (signature) => signatures.push(signature));
    stream.on('streamEvent', (event) => {
      if (event.type === 'content_block_delta') order.push(event.delta.type);
    });
    const final = await stream.finalMessage();
    assert.equal(thinking.join(''), 'The invoice total looks doubled.');
    assert.equal(signatures.length, 1);
    assert.equal(order[0], 'thinking_delta');
    assert.ok(order.indexOf('signature_delta') < order.indexOf('text_delta'), order.join(', '));
    assert.deepEqual(
      final.content.map((block) => block.type),
      ['thinking', 'text'],
    );
    const [block] = final.content;
    assert.ok(block.type === 'thinking');
    assert.equal(block.thinking, 'The invoice total looks doubled.');
    assert.equal(block.signature, signatures[0]);
  });

  test('messages.create with thinking: a thinking block before the text; without thinking, none', async () => {
    gw.local.enqueue({ reasoning: 'Money words.', text: 'billing' });
    const withThinking = await client.messages.create({
      model: 'auto',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: 'My invoice is wrong' }],
    });
    assert.deepEqual(
      withThinking.content.map((block) => block.type),
      ['thinking', 'text'],
    );
    assert.equal(
      withThinking.content[0].type === 'thinking' && withThinking.content[0].thinking,
      'Money words.',
    );
    gw.local.enqueue({ reasoning: 'Money words.', text: 'billing', chunkSize: 4 });
    const events: string[] = [];
    const stream = client.messages.stream({
      model: 'auto',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'My invoice is wrong' }],
    });
    stream.on('streamEvent', (event) => {
      if (event.type === 'content_block_start') events.push(event.content_block.type);
    });
    const final = await stream.finalMessage();
    assert.deepEqual(events, ['text'], 'no thinking asked for, none shown');
    assert.deepEqual(
      final.content.map((block) => block.type),
      ['text'],
    );
  });

  test("thinking streams only from the model that answers: an escalated attempt's reasoning never shows", async () => {
    gw.local.enqueue({ emptyWithReasoning: true });
    gw.cloud.enqueue({ reasoning: 'Second look: a refund.', text: 'billing', chunkSize: 5 });
    const stream = client.messages.stream({
      model: 'auto',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 4096 },
      messages: [{ role: 'user', content: 'My invoice is wrong' }],
    });
    const thinking: string[] = [];
    stream.on('thinking', (delta) => thinking.push(delta));
    const final = await stream.finalMessage();
    assert.equal(final.model, 'cloud-model');
    assert.equal(thinking.join(''), 'Second look: a refund.');
  });
});
