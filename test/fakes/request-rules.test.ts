// The fakes refuse what the real APIs refuse, so an adapter that sends a field its protocol does not
// have (or a schema without a name, or tool_choice without tools) fails its tests as it would in use.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProviderApi } from '../../src/contracts/pyramid-config.ts';
import { startFakeModelServer } from './start-fake-model-server.ts';
import { tinyPngBase64 as png } from './tiny-png.ts';

const userImage = (part: unknown) => [
  { role: 'user', content: [{ type: 'text', text: 'what is this?' }, part] },
];

const cases: Array<{
  api: ProviderApi;
  path: string;
  body: unknown;
  message: RegExp;
  status?: number;
  textOnlyModels?: string[];
}> = [
  {
    api: 'openai-completions',
    path: '/v1/chat/completions',
    body: { model: 'm', messages: [], top_k: 3 },
    message: /Unrecognized request argument supplied: top_k/,
  },
  {
    api: 'openai-completions',
    path: '/v1/chat/completions',
    body: { model: 'm', messages: [], response_format: { type: 'json_schema', json_schema: { schema: {} } } },
    message: /response_format\.json_schema\.name/,
  },
  {
    api: 'openai-completions',
    path: '/v1/chat/completions',
    body: { model: 'm', messages: [], tool_choice: 'required' },
    message: /only allowed when 'tools' are specified/,
  },
  {
    api: 'openai-completions',
    path: '/v1/chat/completions',
    body: {
      model: 'm',
      messages: [],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'x', strict: true, schema: { type: 'object' } },
      },
    },
    message: /'additionalProperties' is required to be supplied and to be false/,
  },
  {
    api: 'anthropic-messages',
    path: '/v1/messages',
    body: { model: 'm', messages: [], max_tokens: 10, seed: 1 },
    message: /seed: Extra inputs are not permitted/,
  },
  {
    api: 'anthropic-messages',
    path: '/v1/messages',
    body: { model: 'm', messages: [], max_tokens: 10, tool_choice: { type: 'any' } },
    message: /only be specified while providing tools/,
  },
  {
    api: 'google-generative-ai',
    path: '/v1beta/models/m:generateContent',
    body: { contents: [], generationConfig: { user: 'x' } },
    message: /Unknown name ..user.. at 'generation_config'/,
  },
  {
    api: 'google-generative-ai',
    path: '/v1beta/models/m:generateContent',
    body: { contents: [], generationConfig: { responseSchema: { type: 'OBJECT' } } },
    message: /response_mime_type must be application\/json/,
  },
  {
    api: 'ollama',
    path: '/api/chat',
    body: { model: 'm', messages: [], stream: false, format: 'yaml' },
    message: /invalid format/,
  },
  {
    api: 'google-generative-ai',
    path: '/v1beta/models/m:generateContent',
    body: {
      contents: [],
      tools: [{ functionDeclarations: [{ name: 'f' }] }],
      generationConfig: { responseMimeType: 'application/json' },
    },
    message: /Function calling with a response mime type/,
  },
  // Images, as each API checks them.
  {
    api: 'openai-completions',
    path: '/v1/chat/completions',
    body: {
      model: 'm',
      messages: userImage({ type: 'image_url', image_url: { url: 'data:text/plain;base64,aGk=' } }),
    },
    message: /unsupported MIME type 'text\/plain'/,
  },
  {
    api: 'openai-completions',
    path: '/v1/chat/completions',
    body: {
      model: 'm',
      messages: userImage({ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }),
    },
    message: /image_url is only supported by certain models/,
    textOnlyModels: ['m'],
  },
  {
    api: 'openai-completions',
    path: '/v1/chat/completions',
    body: {
      model: 'm',
      messages: [
        { role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
      ],
    },
    message: /Supported values are: 'text', 'refusal'/,
  },
  {
    api: 'anthropic-messages',
    path: '/v1/messages',
    body: {
      model: 'm',
      max_tokens: 10,
      messages: userImage({ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: png } }),
    },
    message: /media_type: Input should be 'image\/jpeg'/,
  },
  {
    api: 'anthropic-messages',
    path: '/v1/messages',
    body: {
      model: 'm',
      max_tokens: 10,
      messages: userImage({ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }),
    },
    message: /Input tag 'image_url' found using 'type' does not match/,
  },
  {
    api: 'google-generative-ai',
    path: '/v1beta/models/m:generateContent',
    body: { contents: [{ role: 'user', parts: [{ inlineData: { data: png } }] }] },
    message: /mime_type must be set/,
  },
  {
    api: 'google-generative-ai',
    path: '/v1beta/models/m:generateContent',
    body: { contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: png } }] }] },
    message: /Image input modality is not enabled for models\/m/,
    textOnlyModels: ['m'],
  },
  {
    api: 'ollama',
    path: '/api/chat',
    body: {
      model: 'm',
      stream: false,
      messages: [{ role: 'user', content: 'x', images: [`data:image/png;base64,${png}`] }],
    },
    message: /illegal base64 data at input byte 4/,
  },
  {
    api: 'ollama',
    path: '/api/chat',
    body: { model: 'm', stream: false, messages: [{ role: 'user', content: 'x', images: [png] }] },
    message: /missing data required for image input/,
    status: 500,
    textOnlyModels: ['m'],
  },
];

// The same images, well formed, to a model that takes them: answered.
const accepted: Array<{ api: ProviderApi; path: string; body: unknown }> = [
  {
    api: 'openai-completions',
    path: '/v1/chat/completions',
    body: {
      model: 'm',
      messages: userImage({
        type: 'image_url',
        image_url: { url: `data:image/png;base64,${png}`, detail: 'low' },
      }),
    },
  },
  {
    api: 'anthropic-messages',
    path: '/v1/messages',
    body: {
      model: 'm',
      max_tokens: 10,
      messages: userImage({ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }),
    },
  },
  {
    api: 'google-generative-ai',
    path: '/v1beta/models/m:generateContent',
    body: {
      contents: [
        {
          role: 'user',
          parts: [{ fileData: { mimeType: 'image/png', fileUri: 'https://example.com/a.png' } }],
        },
      ],
    },
  },
  {
    api: 'ollama',
    path: '/api/chat',
    body: { model: 'm', stream: false, messages: [{ role: 'user', content: 'x', images: [png] }] },
  },
];

for (const { api, path, body } of accepted) {
  test(`${api} fake: accepts a well-formed image`, async () => {
    const fake = await startFakeModelServer({ api });
    try {
      const response = await fetch(fake.origin + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 200, await response.clone().text());
    } finally {
      await fake.close();
    }
  });
}

for (const { api, path, body, message, status = 400, textOnlyModels } of cases) {
  test(`${api} fake${textOnlyModels ? ' (text-only model)' : ''}: ${status} for ${JSON.stringify(body).slice(0, 90)}`, async () => {
    const fake = await startFakeModelServer({ api, textOnlyModels });
    try {
      const response = await fetch(fake.origin + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, status);
      assert.match(await response.text(), message);
    } finally {
      await fake.close();
    }
  });
}
