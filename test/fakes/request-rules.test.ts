// The fakes refuse what the real APIs refuse, so an adapter that sends a field its protocol does not
// have (or a schema without a name, or tool_choice without tools) fails its tests as it would in use.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProviderApi } from '../../src/contracts/pyramid-config.ts';
import { startFakeModelServer } from './start-fake-model-server.ts';

const cases: Array<{ api: ProviderApi; path: string; body: unknown; message: RegExp }> = [
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
];

for (const { api, path, body, message } of cases) {
  test(`${api} fake: 400 for ${JSON.stringify(body).slice(0, 90)}`, async () => {
    const fake = await startFakeModelServer({ api });
    try {
      const response = await fetch(fake.origin + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 400);
      assert.match(await response.text(), message);
    } finally {
      await fake.close();
    }
  });
}
