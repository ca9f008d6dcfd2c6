// Images reach only the models whose config declares image input, each in its protocol's shape; the
// plan skips the others with the reason in the trace, and a request no candidate can take is refused.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ImagesUnsupportedError } from '../../src/contracts/errors/images-unsupported-error.ts';
import type { ChatMessage, ImageInput } from '../../src/contracts/message.ts';
import type {
  ModelConfig,
  ProviderApi,
  ProviderConfig,
  PyramidConfig,
} from '../../src/contracts/pyramid-config.ts';
import { createLedger } from '../../src/ledger/index.ts';
import { createModelAdapter } from '../../src/providers/create-model-adapter.ts';
import { Router } from '../../src/router/router.ts';
import { openInlineStores } from '../../src/store/index.ts';
import { fakeModelConfig, fakeProviderConfig } from '../fakes/fake-provider-config.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { tinyPngBase64 as pngBase64 } from '../fakes/tiny-png.ts';

const inline: ImageInput = { kind: 'base64', mediaType: 'image/png', data: pngBase64 };
const linked: ImageInput = { kind: 'url', url: 'https://images.example.com/receipt.png' };
const ask = (image: ImageInput): ChatMessage[] => [
  {
    role: 'user',
    content: [
      { type: 'text', text: 'What does this receipt say?' },
      { type: 'image', image },
    ],
  },
];

const apis: ProviderApi[] = ['ollama', 'openai-completions', 'anthropic-messages', 'google-generative-ai'];

describe('image input through the router, over real HTTP', () => {
  let home: string;
  let stores: ReturnType<typeof openInlineStores>;
  const fakes = {} as Record<ProviderApi, FakeModelServer>;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-images-'));
    stores = openInlineStores(join(home, 'pyramid.db'));
    // Each fake refuses images for `text-model`, as the real API does for a model without vision.
    for (const api of apis) fakes[api] = await startFakeModelServer({ api, textOnlyModels: ['text-model'] });
  });
  after(async () => {
    await stores.close();
    await Promise.all(apis.map((api) => fakes[api].close()));
    await rm(home, { recursive: true, force: true });
  });

  /** Per protocol a text-only model and a vision model; `tiers` says which go where. */
  function build(tiers: string[][]) {
    const providers: Record<string, ProviderConfig> = {};
    const models: Record<string, ModelConfig> = {};
    for (const api of apis) {
      const provider = fakeProviderConfig(fakes[api], { name: api });
      providers[api] = provider;
      models[`${api}-text`] = fakeModelConfig(provider, { name: `${api}-text`, id: 'text-model' });
      models[`${api}-vision`] = fakeModelConfig(provider, {
        name: `${api}-vision`,
        id: 'vision-model',
        input: ['text', 'image'],
      });
    }
    const config: PyramidConfig = {
      providers,
      models,
      tiers,
      tasks: { default: { name: 'default', tier: 0 } },
      router: {
        maxTier: tiers.length - 1,
        breaker: { failureThreshold: 3, cooldownMs: 5000, maxCooldownMs: 60_000 },
      },
    };
    return new Router({
      config,
      ledger: createLedger({ store: stores.ledger, config }),
      adapterFor: (name) =>
        createModelAdapter({ provider: providers[models[name].provider], model: models[name] }),
    });
  }

  const lastBody = (api: ProviderApi) => fakes[api].requests.at(-1)?.body as Record<string, unknown>;

  /** Where each protocol puts the first user message's content. */
  const userContent = (api: ProviderApi, body: Record<string, unknown>): unknown =>
    api === 'google-generative-ai'
      ? (body.contents as { parts: unknown }[])[0].parts
      : api === 'ollama'
        ? (body.messages as unknown[])[0]
        : (body.messages as { content: unknown }[])[0].content;
  const question = 'What does this receipt say?';
  const cases: { api: ProviderApi; image: ImageInput; wire: unknown }[] = [
    {
      api: 'openai-completions',
      image: inline,
      wire: [
        { type: 'text', text: question },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${pngBase64}` } },
      ],
    },
    {
      api: 'openai-completions',
      image: linked,
      wire: [
        { type: 'text', text: question },
        { type: 'image_url', image_url: { url: 'https://images.example.com/receipt.png' } },
      ],
    },
    {
      api: 'anthropic-messages',
      image: inline,
      wire: [
        { type: 'text', text: question },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pngBase64 } },
      ],
    },
    {
      api: 'anthropic-messages',
      image: linked,
      wire: [
        { type: 'text', text: question },
        { type: 'image', source: { type: 'url', url: 'https://images.example.com/receipt.png' } },
      ],
    },
    {
      api: 'google-generative-ai',
      image: inline,
      wire: [{ text: question }, { inlineData: { mimeType: 'image/png', data: pngBase64 } }],
    },
    {
      api: 'google-generative-ai',
      image: linked,
      wire: [
        { text: question },
        { fileData: { mimeType: 'image/png', fileUri: 'https://images.example.com/receipt.png' } },
      ],
    },
    { api: 'ollama', image: inline, wire: { role: 'user', content: question, images: [pngBase64] } },
  ];

  for (const { api, image, wire } of cases) {
    test(`${api}: a ${image.kind} image skips the text-only model (the trace says why) and reaches the vision model in ${api}'s shape`, async () => {
      const router = build([[`${api}-text`, `${api}-vision`]]);
      fakes[api].enqueue({ text: 'Total: 12.50 EUR' });
      const before = fakes[api].requests.length;
      const result = await router.complete({ messages: ask(image) });
      assert.equal(result.text, 'Total: 12.50 EUR');
      assert.equal(result.model, `${api}-vision`);
      assert.equal(fakes[api].requests.length, before + 1, 'the text-only model is never called');
      const skipped = result.trace.plan.find((entry) => entry.model === `${api}-text`);
      assert.equal(skipped?.available, false);
      assert.equal(skipped?.note, `takes no images (models.${api}-text.input has no image)`);
      assert.ok(result.trace.notes.some((note) => note.startsWith(`skipped ${api}-text: takes no images`)));
      // JSON leaves out what the AI SDK sets to undefined (cache_control).
      const sent = JSON.parse(JSON.stringify(userContent(api, lastBody(api))));
      assert.deepEqual(sent, wire);
    });
  }

  test('an image URL skips an Ollama vision model (Ollama takes inline images only) and goes up the pyramid', async () => {
    const router = build([['ollama-vision'], ['openai-completions-vision']]);
    fakes['openai-completions'].enqueue({ text: 'a receipt' });
    const before = fakes.ollama.requests.length;
    const result = await router.complete({ messages: ask(linked) });
    assert.equal(result.model, 'openai-completions-vision');
    assert.equal(fakes.ollama.requests.length, before);
    assert.match(
      result.trace.plan[0].note ?? '',
      /ollama takes inline \(base64\) images only, and the request has an image URL/,
    );
    assert.deepEqual(
      result.trace.attempts.map((attempt) => attempt.model),
      ['openai-completions-vision'],
      'moving up is the plan here, not a climb the failover policy caps',
    );
  });

  test('streaming: the same skip, and the answer streams from the vision model', async () => {
    const router = build([['anthropic-messages-text'], ['google-generative-ai-vision']]);
    fakes['google-generative-ai'].enqueue({ text: 'It says 12.50.', chunkSize: 4 });
    let text = '';
    let model = '';
    for await (const event of router.stream({ messages: ask(inline) })) {
      if (event.type === 'start') model = event.model;
      if (event.type === 'text-delta') text += event.text;
    }
    assert.equal(model, 'google-generative-ai-vision');
    assert.equal(text, 'It says 12.50.');
  });

  test('no candidate takes images: ImagesUnsupportedError names every candidate and why, and no model is called', async () => {
    const router = build([['ollama-text'], ['openai-completions-text', 'ollama-vision']]);
    const counts = apis.map((api) => fakes[api].requests.length);
    await assert.rejects(router.complete({ messages: ask(linked) }), (error: unknown) => {
      assert.ok(error instanceof ImagesUnsupportedError);
      assert.deepEqual(
        error.models.map((entry) => entry.model),
        ['ollama-text', 'openai-completions-text', 'ollama-vision'],
      );
      assert.match(error.message, /ollama-vision: ollama takes inline \(base64\) images only/);
      assert.match(error.message, /declare input: \[text, image\]/);
      return true;
    });
    assert.deepEqual(
      apis.map((api) => fakes[api].requests.length),
      counts,
    );
  });

  test('without images the text-only models answer as before', async () => {
    const router = build([['openai-completions-text']]);
    fakes['openai-completions'].enqueue({ text: 'fine' });
    const result = await router.complete({ messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(result.model, 'openai-completions-text');
  });
});
