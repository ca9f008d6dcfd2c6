// What a chat completion says reaches the model, or the caller is told: structured output through an
// openai-completions tier with the official SDK's `.parse`, parameters passed on, and the ones the
// answering protocol cannot express dropped visibly (header and trace note) or, strictly, refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { clientToken, startTestGateway, type TestGateway } from './start-test-gateway.ts';

const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object' } } }];
type Body = Record<string, unknown>;

describe('request parameters through the gateway', () => {
  let gw: TestGateway;
  let client: OpenAI;
  before(async () => {
    gw = await startTestGateway();
    client = new OpenAI({ apiKey: clientToken, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  after(() => gw.close());

  test('openai SDK .parse: an openai-completions tier receives the json_schema with its name and strict flag', async () => {
    const Ticket = z.object({ label: z.enum(['bug', 'billing']), urgent: z.boolean() });
    gw.cloud.enqueue({ text: '{"label":"billing","urgent":false}' });
    const completion = await client.chat.completions.parse({
      model: 'task:summarize',
      messages: [{ role: 'user', content: 'My invoice is wrong' }],
      response_format: zodResponseFormat(Ticket, 'ticket'),
    });
    assert.deepEqual(completion.choices[0].message.parsed, { label: 'billing', urgent: false });
    const sent = gw.cloud.requests.at(-1)!.body as Body;
    const format = sent.response_format as { type: string; json_schema: Body };
    assert.equal(format.type, 'json_schema');
    assert.equal(format.json_schema.name, 'ticket');
    assert.equal(format.json_schema.strict, true);
    assert.deepEqual((format.json_schema.schema as Body).required, ['label', 'urgent']);
  });

  test('every parameter reaches an openai-completions model, and none is reported dropped', async () => {
    gw.cloud.enqueue({ text: 'ok' });
    const { response } = await client.chat.completions
      .create({
        model: 'task:summarize',
        messages: [{ role: 'user', content: 'hi' }],
        tools,
        tool_choice: { type: 'function', function: { name: 'lookup' } },
        parallel_tool_calls: false,
        stop: 'END',
        top_p: 0.9,
        seed: 11,
        presence_penalty: 0.1,
        frequency_penalty: 0.2,
        user: 'customer-7',
      })
      .withResponse();
    const sent = gw.cloud.requests.at(-1)!.body as Body;
    assert.deepEqual(sent.tool_choice, { type: 'function', function: { name: 'lookup' } });
    assert.equal(sent.parallel_tool_calls, false);
    assert.deepEqual(sent.stop, ['END']);
    assert.equal(sent.top_p, 0.9);
    assert.equal(sent.seed, 11);
    assert.equal(sent.presence_penalty, 0.1);
    assert.equal(sent.frequency_penalty, 0.2);
    assert.equal(sent.user, 'customer-7');
    assert.equal(response.headers.get('x-pyramid-dropped-params'), null);
  });

  for (const stream of [false, true]) {
    test(`${stream ? 'stream' : 'answer'}: a parameter the ollama tier cannot express is named in x-pyramid-dropped-params`, async () => {
      gw.local.enqueue({ text: 'ok' });
      const response = await gw.call('/v1/chat/completions', {
        method: 'POST',
        token: clientToken,
        body: JSON.stringify({
          model: 'auto',
          messages: [{ role: 'user', content: 'hi' }],
          tools,
          tool_choice: 'required',
          seed: 3,
          user: 'customer-7',
          stream,
        }),
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-pyramid-model'), 'local-model');
      assert.equal(response.headers.get('x-pyramid-dropped-params'), 'tool_choice, user');
      await response.text();
      const sent = gw.local.requests.at(-1)!.body as Body;
      assert.equal((sent.options as Body).seed, 3, 'what it can express still goes');
    });
  }

  test('the trace notes the dropped parameters', async () => {
    gw.local.enqueue({ text: 'ok' });
    const result = await gw.platform.router.complete({
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ name: 'lookup', parameters: { type: 'object' } }],
      parameters: { toolChoice: { name: 'lookup' } },
    });
    assert.deepEqual(result.droppedParameters, ['tool_choice']);
    assert.ok(
      result.trace.notes.some((note) =>
        /local-model: dropped tool_choice \(ollama cannot express them\)/.test(note),
      ),
      result.trace.notes.join('\n'),
    );
  });

  test('invalid parameter values are a 400 naming the field', async () => {
    const response = await gw.call('/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], top_p: 3 }),
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: Body }).error.param, 'top_p');
  });
});

describe('gateway.strictParams: true', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ gatewayYaml: '  strictParams: true\n' });
  });
  after(() => gw.close());
  const body = (model: string) =>
    JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], tools, tool_choice: 'required' });

  test('a model that cannot express a parameter is skipped for one that can', async () => {
    gw.cloud.enqueue({ text: 'from the cloud' });
    const before = gw.local.requests.length;
    const response = await gw.call('/v1/chat/completions', { method: 'POST', body: body('auto') });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-pyramid-model'), 'cloud-model');
    assert.equal(gw.local.requests.length, before, 'the ollama model was never called');
  });

  test('when no candidate can, the answer is 400 unsupported_parameter naming it', async () => {
    const response = await gw.call('/v1/chat/completions', { method: 'POST', body: body('local-model') });
    assert.equal(response.status, 400);
    const error = ((await response.json()) as { error: Body }).error;
    assert.equal(error.code, 'unsupported_parameter');
    assert.equal(error.param, 'tool_choice');
    assert.match(String(error.message), /tool_choice/);
  });
});
