import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ResponseFormat, ToolDefinition } from '../../src/contracts/message.ts';
import { call, collect, startHarness, summarise } from './adapter-harness.ts';

const schema = { type: 'object', properties: { label: { type: 'string' } }, required: ['label'] };
const format: ResponseFormat = { type: 'json-schema', name: 'label', schema };
const tools: ToolDefinition[] = [
  { name: 'recall', parameters: { type: 'object', properties: { key: { type: 'string' } } } },
];

describe('a native response format and tools in one call', () => {
  test('google: the format goes as responseMimeType + schema; beside tools it is left out (Gemini 2.5 refuses both) and the tool call comes back', async () => {
    const harness = await startHarness('google-generative-ai', { model: { id: 'gemini-2.5-flash' } });
    try {
      const generation = () =>
        (harness.fake.requests.at(-1)!.body as { generationConfig: Record<string, unknown> })
          .generationConfig;
      harness.fake.enqueue({ text: '{"label":"bug"}' });
      await collect(harness.adapter.stream(call({ responseFormat: format })));
      assert.equal(generation().responseMimeType, 'application/json');
      assert.ok(generation().responseSchema, 'the schema is sent natively');

      harness.fake.enqueue({ toolCalls: [{ name: 'recall', arguments: '{"key":"k"}' }] });
      const events = await collect(harness.adapter.stream(call({ responseFormat: format, tools })));
      assert.equal(generation().responseMimeType, undefined);
      assert.equal(generation().responseSchema, undefined);
      assert.deepEqual(
        events.filter((event) => event.type === 'tool-call').map((event) => event.toolCall.name),
        ['recall'],
      );
    } finally {
      await harness.fake.close();
    }
  });

  test('ollama: the format goes as `format`; beside tools it is left out, so the model can still call them', async () => {
    const harness = await startHarness('ollama');
    try {
      const sent = () => harness.fake.requests.at(-1)!.body as { format?: unknown; tools?: unknown[] };
      harness.fake.enqueue({ text: '{"label":"bug"}' });
      await collect(harness.adapter.stream(call({ responseFormat: format })));
      assert.deepEqual(sent().format, schema);
      await collect(harness.adapter.stream(call({ responseFormat: { type: 'json' } })));
      assert.equal(sent().format, 'json');

      harness.fake.enqueue({ toolCalls: [{ name: 'recall', arguments: '{"key":"k"}' }] });
      const events = await collect(harness.adapter.stream(call({ responseFormat: format, tools })));
      assert.equal(sent().format, undefined);
      assert.equal(sent().tools?.length, 1);
      assert.equal(summarise(events).text, '');
      assert.deepEqual(
        events.filter((event) => event.type === 'tool-call').map((event) => event.toolCall.name),
        ['recall'],
      );
    } finally {
      await harness.fake.close();
    }
  });
});
