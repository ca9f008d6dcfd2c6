// Images from the SDKs people use (openai chat and Responses, @anthropic-ai/sdk) reach the model that
// declares image input, in its protocol's shape; a text-only model is skipped; no taker is a 400.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { tinyPngBase64 as pngBase64 } from '../fakes/tiny-png.ts';
import { clientToken, gatewayTestYaml, startTestGateway, type TestGateway } from './start-test-gateway.ts';

type Sent = { messages: { role: string; content: unknown; images?: string[] }[] };
const dataUrl = `data:image/png;base64,${pngBase64}`;

describe('images through the gateway', () => {
  let gw: TestGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;
  before(async () => {
    // tier 0 `local-model` (ollama) is text only; tier 1 `cloud-model` (openai) takes images.
    gw = await startTestGateway({
      yaml: (local, cloud) =>
        gatewayTestYaml(local, cloud).replace(
          'cloud-model: { provider: cloud, id: fake-model,',
          'cloud-model: { provider: cloud, id: fake-model, input: [text, image],',
        ),
    });
    openai = new OpenAI({ apiKey: clientToken, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: clientToken, baseURL: gw.url, maxRetries: 0 });
  });
  after(() => gw.close());

  test('chat completions: an image_url data URL skips the text-only tier 0 and reaches the vision model as image_url', async () => {
    gw.cloud.enqueue({ text: 'A receipt for 12.50' });
    const localCalls = gw.local.requests.length;
    const { data, response } = await openai.chat.completions
      .create({
        model: 'auto',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: dataUrl, detail: 'low' } },
            ],
          },
        ],
      })
      .withResponse();
    assert.equal(data.choices[0].message.content, 'A receipt for 12.50');
    assert.equal(data.model, 'cloud-model');
    assert.equal(gw.local.requests.length, localCalls, 'the text-only model is not called');
    const sent = gw.cloud.requests.at(-1)!.body as Sent;
    assert.deepEqual(sent.messages[0].content, [
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: dataUrl, detail: 'low' } },
    ]);
    const stored = await gw.platform.ledger.getRequest(response.headers.get('x-pyramid-request-id')!);
    assert.equal(stored?.model, 'cloud-model');
  });

  test('Responses: an input_image with an https URL, streamed', async () => {
    gw.cloud.enqueue({ text: 'A cat on a mat.', chunkSize: 4 });
    const stream = await openai.responses.create({
      model: 'auto',
      stream: true,
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Describe it.' },
            { type: 'input_image', image_url: 'https://images.example.com/cat.jpg', detail: 'auto' },
          ],
        },
      ],
    });
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    assert.equal(text, 'A cat on a mat.');
    const sent = gw.cloud.requests.at(-1)!.body as Sent;
    assert.deepEqual(sent.messages.at(-1)?.content, [
      { type: 'text', text: 'Describe it.' },
      { type: 'image_url', image_url: { url: 'https://images.example.com/cat.jpg', detail: 'auto' } },
    ]);
  });

  test('Anthropic Messages: a base64 image block reaches the vision model', async () => {
    gw.cloud.enqueue({ text: 'A 1x1 pixel.' });
    const message = await anthropic.messages.create({
      model: 'auto',
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pngBase64 } },
            { type: 'text', text: 'What is in the picture?' },
          ],
        },
      ],
    });
    assert.deepEqual(message.content, [{ type: 'text', text: 'A 1x1 pixel.' }]);
    assert.equal(message.model, 'cloud-model');
    const sent = gw.cloud.requests.at(-1)!.body as Sent;
    assert.deepEqual(sent.messages.at(-1)?.content, [
      { type: 'image_url', image_url: { url: dataUrl } },
      { type: 'text', text: 'What is in the picture?' },
    ]);
  });

  test('pinned to a text-only model with no vision model in its tier: a 400 naming it, nothing called', async () => {
    const calls = gw.local.requests.length + gw.cloud.requests.length;
    const error = await openai.chat.completions
      .create({
        model: 'local-model',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: dataUrl } }] }],
      })
      .catch((failure: unknown) => failure);
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.equal(error.code, 'images_unsupported');
    assert.match(error.message, /local-model: takes no images \(models\.local-model\.input has no image\)/);
    assert.equal(gw.local.requests.length + gw.cloud.requests.length, calls);
  });

  test('malformed images are a 400 naming the field, in each protocol', async () => {
    const chat = await openai.chat.completions
      .create({
        model: 'auto',
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'data:text/plain;base64,aGk=' } }],
          },
        ],
      })
      .catch((failure: unknown) => failure);
    assert.ok(chat instanceof OpenAI.BadRequestError);
    assert.equal(chat.param, 'messages[0].content[0].image_url.url');
    const messages = await anthropic.messages
      .create({
        model: 'auto',
        max_tokens: 10,
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'image',
                source: { type: 'base64', media_type: 'image/bmp' as 'image/png', data: 'x' },
              },
            ],
          },
        ],
      })
      .catch((failure: unknown) => failure);
    assert.ok(messages instanceof Anthropic.BadRequestError);
    assert.match(messages.message, /messages\.0\.content\.0\.source\.media_type/);
    const responses = await openai.responses
      .create({
        model: 'auto',
        input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-123', detail: 'auto' }] }],
      })
      .catch((failure: unknown) => failure);
    assert.ok(responses instanceof OpenAI.BadRequestError);
    assert.match(responses.message, /file_id images are not supported/);
  });

  test('count_tokens counts an image as an estimate, not as nothing', async () => {
    const textOnly = await anthropic.messages.countTokens({
      model: 'auto',
      messages: [{ role: 'user', content: 'What is in the picture?' }],
    });
    const withImage = await anthropic.messages.countTokens({
      model: 'auto',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pngBase64 } },
            { type: 'text', text: 'What is in the picture?' },
          ],
        },
      ],
    });
    assert.equal(withImage.input_tokens - textOnly.input_tokens, 1600);
  });
});
