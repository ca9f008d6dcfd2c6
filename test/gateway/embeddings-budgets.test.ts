// Embeddings count against spend caps like chat: the worst case is reserved before the call, so two
// requests in flight together cannot pass a cap, and a request over it never reaches the model.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { waitFor } from '../delivery/wait-for.ts';
import { clientToken, gatewayTestYaml, startTestGateway, type TestGateway } from './start-test-gateway.ts';

// 100 USD per million tokens, so that a few hundred characters are a measurable share of one cent.
const price = 100;
const worstCaseUsd = (text: string) => ((Math.ceil(text.length / 3) + 4) * price) / 1e6;

describe('embeddings under spend caps', () => {
  let gw: TestGateway;
  let client: OpenAI;
  before(async () => {
    gw = await startTestGateway({
      yaml: (local, cloud) =>
        `${gatewayTestYaml(local, cloud)
          .replace(
            'models:\n',
            `models:\n  cloud-embed: { provider: cloud, id: text-embedding-3-small, cost: { input: ${price}, output: 0 } }\n`,
          )
          .replace('tasks:\n', 'embeddings: [cloud-embed]\ntasks:\n')}budgets: { daily: 0.01 }\n`,
    });
    client = new OpenAI({ apiKey: clientToken, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  after(() => gw.close());

  test('a request whose worst case passes the cap is a 429 and never reaches the model', async () => {
    const big = 'x'.repeat(300);
    assert.ok(worstCaseUsd(big) > 0.01);
    const calls = gw.cloud.requests.length;
    const error = await client.embeddings.create({ model: 'auto', input: big }).catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIError);
    assert.equal(error.status, 429);
    assert.equal(error.code, 'budget_exceeded');
    assert.equal(gw.cloud.requests.length, calls);
  });

  test('two in flight together: the second is refused while the first holds its reservation; after it settles at its real cost, another fits', async () => {
    const text = 'y'.repeat(150);
    assert.ok(worstCaseUsd(text) < 0.01 && 2 * worstCaseUsd(text) > 0.01);
    let release = () => {};
    gw.cloud.enqueue({ release: new Promise<void>((resolve) => (release = resolve)) });
    const calls = gw.cloud.requests.length;
    const first = client.embeddings.create({ model: 'auto', input: text });
    await waitFor(() => gw.cloud.requests.length === calls + 1, 10_000);
    const second = await client.embeddings.create({ model: 'auto', input: text }).catch((e: unknown) => e);
    assert.ok(second instanceof OpenAI.APIError);
    assert.equal(second.status, 429, 'the first request reserved its worst case before calling');
    assert.equal(gw.cloud.requests.length, calls + 1);
    release();
    const answered = await first;
    assert.equal(answered.model, 'cloud-embed');
    // The fake counts a quarter of the characters: 38 tokens, 0.0038 USD, under the 0.0054 reserved.
    const third = await client.embeddings.create({ model: 'auto', input: text });
    assert.equal(third.model, 'cloud-embed');
    const spent = await gw.platform.ledger.spentSince(0);
    assert.ok(Math.abs(spent - (2 * 38 * price) / 1e6) < 1e-9, `spent ${spent}`);
  });
});
