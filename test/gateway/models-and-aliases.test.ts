// GET /v1/models and /v1/models/{id} with tier and availability, and aliases: names tools are
// hard-wired to (gpt-4o, claude-*) climbing the pyramid like any caller.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { parseConfig } from '../../src/config/index.ts';
import { ConfigError } from '../../src/contracts/errors/index.ts';
import { clientToken, gatewayTestYaml, startTestGateway, type TestGateway } from './start-test-gateway.ts';

type Pyramid = {
  kind: string;
  tier?: number;
  available?: boolean;
  unavailable_reason?: string;
  target?: string;
};
const aliases = `aliases:
  gpt-4o: task:summarize
  "claude-*": tier:1
  "claude-haiku-*": local-model
`;

describe('models and aliases', () => {
  let gw: TestGateway;
  let openai: OpenAI;
  before(async () => {
    gw = await startTestGateway({
      yaml: (local, cloud) =>
        `${gatewayTestYaml(local, cloud)
          .replace(
            'providers:\n',
            'providers:\n  keyless: { api: anthropic-messages, baseUrl: "http://127.0.0.1:9/v1", apiKey: "env:PYRAMID_TEST_UNSET_KEY" }\n',
          )
          .replace(
            'models:\n',
            'models:\n  frontier: { provider: keyless, id: claude-opus, cost: { input: 15, output: 75 } }\n',
          )
          .replace('  - [cloud-model]\n', '  - [cloud-model]\n  - [frontier]\n')}${aliases}`,
    });
    openai = new OpenAI({ apiKey: clientToken, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  after(() => gw.close());

  test('GET /v1/models: every entry says its kind and tier; configured models whether they can be used and why not', async () => {
    const models = new Map<string, Pyramid>();
    for await (const model of openai.models.list())
      models.set(model.id, (model as unknown as { pyramid: Pyramid }).pyramid);
    assert.deepEqual(models.get('auto'), { kind: 'virtual', tier: 0 });
    assert.deepEqual(models.get('task:summarize'), { kind: 'task', tier: 1 });
    assert.deepEqual(models.get('tier:2'), { kind: 'tier', tier: 2 });
    assert.deepEqual(models.get('cloud-model'), { kind: 'model', tier: 1, available: true });
    const frontier = models.get('frontier');
    assert.equal(frontier?.available, false);
    assert.match(String(frontier?.unavailable_reason), /PYRAMID_TEST_UNSET_KEY/);
    assert.deepEqual(models.get('gpt-4o'), { kind: 'alias', target: 'task:summarize' });
    assert.deepEqual(models.get('claude-*'), { kind: 'alias', target: 'tier:1' });
  });

  test('GET /v1/models/{id}: one model, or 404 in OpenAI shape', async () => {
    const model = await openai.models.retrieve('local-model');
    assert.equal(model.id, 'local-model');
    assert.equal(model.owned_by, 'local');
    assert.equal((model as unknown as { pyramid: Pyramid }).pyramid.tier, 0);
    assert.equal((await openai.models.retrieve('task:classify')).id, 'task:classify');
    await assert.rejects(
      openai.models.retrieve('gpt-5-ultra'),
      (error: unknown) => error instanceof OpenAI.NotFoundError,
    );
  });

  test('an exact alias steers a chat completion to its task', async () => {
    gw.cloud.enqueue({ text: 'summarised' });
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'summarise this' }],
    });
    assert.equal(completion.model, 'cloud-model');
    assert.equal(completion.choices[0].message.content, 'summarised');
  });

  test('wildcards: Claude model names route through the pyramid, the longest pattern winning', async () => {
    const anthropic = new Anthropic({ apiKey: clientToken, baseURL: gw.url, maxRetries: 0 });
    gw.cloud.enqueue({ text: 'from tier 1' });
    const sonnet = await anthropic.messages.create({
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(sonnet.model, 'cloud-model');
    gw.local.enqueue({ text: 'from tier 0' });
    const haiku = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(haiku.model, 'local-model');
    await assert.rejects(
      anthropic.messages.create({
        model: 'gpt-3.5',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: unknown) => error instanceof Anthropic.BadRequestError && /claude-\*/.test(error.message),
    );
  });
});

test('config: an alias must point at something the model field takes, and cannot replace a real name', () => {
  const yaml = (extra: string) =>
    `${gatewayTestYaml({ baseUrl: 'http://127.0.0.1:1' }, { baseUrl: 'http://127.0.0.1:2/v1' })}${extra}`;
  assert.throws(
    () =>
      parseConfig(yaml('aliases:\n  gpt-4o: task:nope\n  local-model: tier:0\n  claude: tier:9\n'), {
        env: {},
      }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /aliases\.gpt-4o/.test(error.message) &&
      /aliases\.local-model/.test(error.message) &&
      /aliases\.claude/.test(error.message),
  );
  const { config } = parseConfig(yaml(aliases), { env: {} });
  assert.deepEqual(config.aliases, {
    'gpt-4o': 'task:summarize',
    'claude-*': 'tier:1',
    'claude-haiku-*': 'local-model',
  });
});
