// POST /v1/embeddings: the embeddings: list in failover order over Ollama's native endpoint, an
// OpenAI-compatible one and Gemini's, batch input, dimensions, float and base64, and the ledger.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { fakeEmbedding } from '../fakes/fake-protocol.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { clientToken, gatewayTestYaml, startTestGateway, type TestGateway } from './start-test-gateway.ts';

type Body = Record<string, unknown>;
const close = (actual: number[], expected: number[]) => {
  assert.equal(actual.length, expected.length);
  for (const [index, value] of actual.entries())
    assert.ok(Math.abs(value - expected[index]) < 1e-6, `${value} vs ${expected[index]}`);
};

describe('POST /v1/embeddings', () => {
  let gw: TestGateway;
  let gemini: FakeModelServer;
  let client: OpenAI;
  before(async () => {
    gemini = await startFakeModelServer({ api: 'google-generative-ai' });
    gw = await startTestGateway({
      yaml: (local, cloud) =>
        gatewayTestYaml(local, cloud)
          .replace(
            'models:\n',
            `models:
  local-embed: { provider: local, id: nomic-embed-text, cost: { input: 0, output: 0 } }
  cloud-embed: { provider: cloud, id: text-embedding-3-small, cost: { input: 0.02, output: 0 } }
  gemini-embed: { provider: gem, id: gemini-embedding-001, cost: { input: 0.15, output: 0 } }
`,
          )
          .replace(
            'providers:\n',
            `providers:\n  gem: { api: google-generative-ai, baseUrl: "${gemini.baseUrl}", apiKey: "env:CLOUD_KEY" }\n`,
          )
          .replace('tasks:\n', 'embeddings: [local-embed, cloud-embed, gemini-embed]\ntasks:\n'),
    });
    client = new OpenAI({ apiKey: clientToken, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await gemini.close();
  });

  test('the openai SDK (base64 by default): one vector per input, in order, from the first model', async () => {
    const inputs = ['first text', 'second, longer text'];
    const { data, response } = await client.embeddings
      .create({ model: 'auto', input: inputs })
      .withResponse();
    assert.equal(data.model, 'local-embed');
    assert.equal(data.data.length, 2);
    close(data.data[0].embedding, fakeEmbedding(inputs[0]));
    close(data.data[1].embedding, fakeEmbedding(inputs[1]));
    assert.equal(data.usage.prompt_tokens, Math.ceil(10 / 4) + Math.ceil(19 / 4));
    assert.equal(response.headers.get('x-pyramid-model'), 'local-embed');
    const sent = gw.local.requests.at(-1)!;
    assert.equal(sent.path, '/api/embed', "Ollama's native embedding endpoint");
    assert.deepEqual((sent.body as Body).input, inputs);
  });

  test('encoding_format float gives arrays of numbers', async () => {
    const response = await gw.call('/v1/embeddings', {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', input: 'plain', encoding_format: 'float' }),
    });
    const body = (await response.json()) as { data: { embedding: number[] }[] };
    assert.deepEqual(body.data[0].embedding, fakeEmbedding('plain'));
  });

  test('failover in list order, dimensions passed to each protocol its way, and the ledger prices each', async () => {
    gw.local.enqueue({ error: 'server' });
    const viaCloud = await client.embeddings.create({ model: 'auto', input: 'abcdefgh', dimensions: 8 });
    assert.equal(viaCloud.model, 'cloud-embed');
    assert.equal(viaCloud.data[0].embedding.length, 8);
    assert.equal((gw.local.requests.at(-1)!.body as Body).dimensions, 8);
    const cloudSent = gw.cloud.requests.at(-1)!;
    assert.equal(cloudSent.path, '/v1/embeddings');
    assert.equal((cloudSent.body as Body).dimensions, 8);

    gw.local.enqueue({ error: 'server' });
    gw.cloud.enqueue({ error: 'rate-limited' });
    const { data, response } = await client.embeddings
      .create({ model: 'auto', input: ['one', 'two'], dimensions: 3 })
      .withResponse();
    assert.equal(data.model, 'gemini-embed');
    close(data.data[1].embedding, fakeEmbedding('two', 3));
    const geminiSent = gemini.requests.at(-1)!;
    assert.match(geminiSent.path, /gemini-embedding-001:batchEmbedContents$/);
    assert.equal((geminiSent.body as { requests: Body[] }).requests[0].outputDimensionality, 3);

    const stored = await gw.platform.ledger.getRequest(response.headers.get('x-pyramid-request-id')!);
    assert.equal(stored?.task, 'embeddings', 'its own kind of request');
    assert.deepEqual(
      stored?.attempts.map((attempt) => [attempt.model, attempt.outcome]),
      [
        ['local-embed', 'error'],
        ['cloud-embed', 'error'],
        ['gemini-embed', 'ok'],
      ],
    );
    const usage = (await (await gw.call('/api/usage?since=1h&by=task')).json()) as {
      rows: { key: string; requests: number; costUsd: number; savingsUsd: number }[];
    };
    const embeddings = usage.rows.find((row) => row.key === 'embeddings');
    assert.ok(embeddings && embeddings.requests >= 4, JSON.stringify(usage.rows));
    assert.ok(embeddings.costUsd > 0, 'the paid models are priced');
    assert.equal(embeddings.savingsUsd, 0, 'no cloud-only counterfactual: embeddings are not on the pyramid');
  });

  test('a pinned model, an unknown one, and every model failing', async () => {
    const pinned = await client.embeddings.create({
      model: 'cloud-embed',
      input: 'x',
      encoding_format: 'float',
    });
    assert.equal(pinned.model, 'cloud-embed');
    await assert.rejects(
      client.embeddings.create({ model: 'local-model', input: 'x' }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && /embed/.test(error.message),
    );
    gw.local.enqueue({ error: 'server' });
    gw.cloud.enqueue({ error: 'server' });
    gemini.enqueue({ error: 'server' });
    await assert.rejects(
      client.embeddings.create({ model: 'auto', input: 'x' }),
      (error: unknown) => error instanceof OpenAI.APIError && error.status === 502,
    );
  });
});

test('without embeddings: configured, /v1/embeddings says so', async () => {
  const gw = await startTestGateway();
  try {
    const response = await gw.call('/v1/embeddings', {
      method: 'POST',
      body: JSON.stringify({ model: 'auto', input: 'x' }),
    });
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: Body }).error.code, 'embeddings_not_configured');
  } finally {
    await gw.close();
  }
});
