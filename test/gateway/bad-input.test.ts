import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from './start-test-gateway.ts';

type ErrorBody = {
  error: { message: string; type: string; code: string; param: string | null; attempts?: unknown[] };
};

describe('bad input gets OpenAI-style errors, and never crashes the gateway', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ gatewayYaml: '  bodyLimit: 4kb\n' });
  });
  after(() => gw.close());

  async function post(body: string, headers: Record<string, string> = {}) {
    const response = await gw.call('/v1/chat/completions', { method: 'POST', body, headers });
    return { status: response.status, body: (await response.json()) as ErrorBody, headers: response.headers };
  }
  const user = [{ role: 'user', content: 'hi' }];

  test('malformed JSON is a 400 invalid_json', async () => {
    const { status, body } = await post('{"model": "auto", "messages": [');
    assert.equal(status, 400);
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.code, 'invalid_json');
  });

  test('missing or wrong fields are a 400 naming the field', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ model: 'auto' }, 'messages', /Missing required parameter: 'messages'/],
      [{ messages: user }, 'model', /Missing required parameter: 'model'/],
      [{ model: 'auto', messages: [] }, 'messages', /at least one message/],
      [
        { model: 'auto', messages: [{ role: 'user' }] },
        'messages[0].content',
        /Missing required parameter: 'messages\[0\]\.content'/,
      ],
      [
        { model: 'auto', messages: [{ role: 'robot', content: 'x' }] },
        'messages[0].role',
        /messages\[0\]\.role/,
      ],
      [
        { model: 'auto', messages: user, temperature: 'hot' },
        'temperature',
        /Invalid value for 'temperature'/,
      ],
      [{ model: 'auto', messages: user, max_tokens: -5 }, 'max_tokens', /max_tokens/],
      [{ model: 'auto', messages: user, stream: 'yes' }, 'stream', /stream/],
      [{ model: 'auto', messages: user, n: 3 }, 'n', /only n = 1/],
      [
        {
          model: 'auto',
          messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }],
        },
        'messages[0].content[0].image_url.url',
        /expected an http\(s\) URL or a base64 data URL/,
      ],
      [
        {
          model: 'auto',
          messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x' } }] }],
        },
        'messages[0].content[0]',
        /text parts are supported, and image_url parts in user messages/,
      ],
      [
        { model: 'auto', messages: [{ role: 'user', content: null }] },
        'messages[0].content',
        /'messages\[0\]\.content': expected a string, or an array of content parts/,
      ],
      [
        { model: 'auto', messages: [{ role: 'user', content: [{ text: 'no type' }] }] },
        'messages[0].content',
        /expected a string, or an array of content parts/,
      ],
      [
        { model: 'auto', messages: [{ role: 'user', content: [{ type: 'text' }] }] },
        'messages[0].content[0].text',
        /Missing required parameter: 'messages\[0\]\.content\[0\]\.text'/,
      ],
      [
        { model: 'auto', messages: user, response_format: { type: 'xml' } },
        'response_format.type',
        /response_format/,
      ],
      [[1, 2, 3], '', /JSON object/],
    ];
    for (const [input, param, message] of cases) {
      const { status, body } = await post(JSON.stringify(input));
      assert.equal(status, 400, JSON.stringify(input));
      assert.equal(body.error.type, 'invalid_request_error');
      if (param) assert.equal(body.error.param, param, JSON.stringify(input));
      assert.match(body.error.message, message);
    }
  });

  test('an unknown model is a 400 listing the valid ones', async () => {
    const { status, body } = await post(JSON.stringify({ model: 'gpt-4o', messages: user }));
    assert.equal(status, 400);
    assert.equal(body.error.code, 'model_not_found');
    assert.equal(body.error.param, 'model');
    assert.match(
      body.error.message,
      /Valid models: auto, task:default, task:classify, task:summarize, tier:0, tier:1, local-model, cloud-model/,
    );
    const tier = await post(JSON.stringify({ model: 'tier:9', messages: user }));
    assert.equal(tier.status, 400);
    assert.equal(tier.body.error.code, 'model_not_found');
  });

  test('an unknown task, in model or in x-pyramid-task, is a 400 listing the valid ones', async () => {
    const inModel = await post(JSON.stringify({ model: 'task:poetry', messages: user }));
    assert.equal(inModel.status, 400);
    assert.equal(inModel.body.error.code, 'unknown_task');
    assert.match(inModel.body.error.message, /Valid task types: default, classify, summarize/);
    const inHeader = await post(JSON.stringify({ model: 'auto', messages: user }), {
      'x-pyramid-task': 'poetry',
    });
    assert.equal(inHeader.status, 400);
    assert.equal(inHeader.body.error.param, 'x-pyramid-task');
  });

  test('a body over the limit is a 413', async () => {
    const big = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(5000) }] });
    const { status, body } = await post(big);
    assert.equal(status, 413);
    assert.equal(body.error.code, 'request_too_large');
    assert.match(body.error.message, /4096 bytes/);
  });

  test('a chunked body (no Content-Length) over the limit is a 413 too, and one under it is read', async () => {
    const chunked = (text: string) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          const bytes = new TextEncoder().encode(text);
          for (let offset = 0; offset < bytes.length; offset += 1000)
            controller.enqueue(bytes.subarray(offset, offset + 1000));
          controller.close();
        },
      });
    const send = (text: string) =>
      gw.call('/v1/chat/completions', {
        method: 'POST',
        body: chunked(text),
        duplex: 'half',
      } as RequestInit);
    const big = await send(
      JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(5000) }] }),
    );
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as ErrorBody).error.code, 'request_too_large');
    const small = await send('{"model": "auto", "messages": [');
    assert.equal(small.status, 400);
    assert.equal(((await small.json()) as ErrorBody).error.code, 'invalid_json');
  });

  test('every candidate failing is a 502 summarising the attempts', async () => {
    gw.local.enqueue({ status: 503 });
    gw.cloud.enqueue({ status: 500 });
    const { status, body, headers } = await post(JSON.stringify({ model: 'auto', messages: user }));
    assert.equal(status, 502);
    assert.equal(body.error.code, 'all_candidates_failed');
    assert.deepEqual(
      (body.error.attempts as { model: string; reason: string }[]).map((attempt) => [
        attempt.model,
        attempt.reason,
      ]),
      [
        ['local-model', 'server_error:503'],
        ['cloud-model', 'server_error:500'],
      ],
    );
    const requestId = headers.get('x-pyramid-request-id');
    assert.ok(requestId, 'the failed request can be looked up');
    const trace = await gw.call(`/api/requests/${requestId}`);
    assert.equal(trace.status, 200);
    assert.equal(((await trace.json()) as { attempts: unknown[] }).attempts.length, 2);
  });

  test('a streaming request whose candidates all fail is a 502 before any stream starts', async () => {
    gw.local.enqueue({ status: 503 });
    gw.cloud.enqueue({ status: 503 });
    const { status, body, headers } = await post(
      JSON.stringify({ model: 'auto', messages: user, stream: true }),
    );
    assert.equal(status, 502);
    assert.match(headers.get('content-type') ?? '', /application\/json/);
    assert.equal(body.error.code, 'all_candidates_failed');
  });

  test('unknown paths are a 404 in the same shape', async () => {
    const response = await gw.call('/v1/completions', { method: 'POST', body: '{}' });
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as ErrorBody).error.type, 'not_found_error');
  });

  test('garbage of every kind gets a 4xx, and the gateway keeps answering', async () => {
    const inputs = [
      '',
      'null',
      '"a string"',
      '42',
      '{"model": null, "messages": null}',
      '{"model": "auto", "messages": [null]}',
      '{"model": "auto", "messages": [{"role": "tool", "content": "x"}]}',
      '{"model": "auto", "messages": [{"role": "assistant", "tool_calls": [{"id": 1}]}]}',
      '{"model": {"$gt": ""}, "messages": "hi"}',
      '\u0000\u0001\u0002',
      '{"__proto__": {"polluted": true}, "model": "auto"}',
      `{"model": "auto", "messages": ${'['.repeat(5000)}`,
    ];
    for (const input of inputs) {
      const response = await gw.call('/v1/chat/completions', { method: 'POST', body: input });
      assert.ok(response.status >= 400 && response.status < 500, `${input.slice(0, 40)}: ${response.status}`);
      const body = (await response.json()) as ErrorBody;
      assert.equal(typeof body.error.message, 'string');
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((await gw.call('/health', { token: null })).status, 200);
  });
});

describe('spend caps', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      yaml: (local, cloud) => `
providers:
  cloud: { api: openai-completions, baseUrl: "${cloud.baseUrl}", apiKey: "env:CLOUD_KEY" }
  local: { api: ollama, baseUrl: "${local.baseUrl}" }
models:
  cloud-model: { provider: cloud, id: fake-model, cost: { input: 1000, output: 1000 } }
tiers:
  - [cloud-model]
tasks: { default: 0 }
budgets: { daily: 0 }
gateway:
  auth: { tokens: [{ name: ops, token: "env:ADMIN_TOKEN", scopes: [admin] }] }
`,
    });
  });
  after(() => gw.close());

  test('a reached spend cap is a 429 budget_exceeded', async () => {
    const response = await gw.call('/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 429);
    const body = (await response.json()) as ErrorBody;
    assert.equal(body.error.code, 'budget_exceeded');
    assert.equal(gw.cloud.requests.length, 0, 'no paid call went out');
  });
});
