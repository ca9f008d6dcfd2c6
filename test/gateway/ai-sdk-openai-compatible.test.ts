// The AI SDK's @ai-sdk/openai-compatible provider (what tools use for "any OpenAI-compatible server")
// against the gateway's chat completions: text, streaming with usage, structured output, tools, images.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, jsonSchema, Output, streamText, tool } from 'ai';
import { tinyPngBase64 } from '../fakes/tiny-png.ts';
import { clientToken, gatewayTestYaml, startTestGateway, type TestGateway } from './start-test-gateway.ts';

type Sent = { messages: { role: string; content: unknown; tool_call_id?: string }[]; [key: string]: unknown };

describe("the AI SDK's @ai-sdk/openai-compatible provider against the gateway", () => {
  let gw: TestGateway;
  let provider: ReturnType<typeof createOpenAICompatible>;
  before(async () => {
    gw = await startTestGateway({
      yaml: (local, cloud) =>
        gatewayTestYaml(local, cloud).replace(
          'cloud-model: { provider: cloud, id: fake-model,',
          'cloud-model: { provider: cloud, id: fake-model, input: [text, image],',
        ),
    });
    provider = createOpenAICompatible({
      name: 'pyramid',
      apiKey: clientToken,
      baseURL: `${gw.url}/v1`,
      includeUsage: true,
    });
  });
  after(() => gw.close());

  test('generateText: the answer, usage and the model that answered', async () => {
    gw.local.enqueue({ text: 'billing', usage: { input: 9, output: 2 } });
    const result = await generateText({
      model: provider('auto'),
      prompt: 'My invoice is wrong',
      maxRetries: 0,
    });
    assert.equal(result.text, 'billing');
    assert.equal(result.usage.inputTokens, 9);
    assert.equal(result.usage.outputTokens, 2);
    assert.equal(result.response.modelId, 'local-model');
    assert.equal(result.response.headers?.['x-pyramid-model'], 'local-model');
  });

  test('streamText: deltas, the finish reason and usage from the last chunk', async () => {
    gw.local.enqueue({
      text: 'Hello there, streaming world.',
      chunkSize: 5,
      usage: { input: 11, output: 7 },
    });
    const result = streamText({ model: provider('auto'), prompt: 'hi', maxRetries: 0 });
    const parts: string[] = [];
    for await (const part of result.textStream) parts.push(part);
    assert.ok(parts.length > 1, 'the answer arrives in several deltas');
    assert.equal(parts.join(''), 'Hello there, streaming world.');
    assert.equal(await result.finishReason, 'stop');
    const usage = await result.usage;
    assert.equal(usage.inputTokens, 11);
    assert.equal(usage.outputTokens, 7);
    const sent = gw.local.requests.at(-1)!.body as Sent;
    assert.equal(sent.stream, true, 'the upstream call streams too');
  });

  for (const streaming of [false, true]) {
    for (const supportsStructuredOutputs of [false, true]) {
      test(`${streaming ? 'streamText' : 'generateText'}: structured output gives the object (${supportsStructuredOutputs ? 'supportsStructuredOutputs: the schema reaches the model' : 'default: JSON mode reaches the model'})`, async () => {
        const schema = {
          type: 'object' as const,
          properties: { label: { type: 'string' as const } },
          required: ['label'],
          additionalProperties: false,
        };
        gw.local.enqueue({ text: '{"label":"billing"}' });
        const options = {
          model: createOpenAICompatible({
            name: 'pyramid',
            apiKey: clientToken,
            baseURL: `${gw.url}/v1`,
            supportsStructuredOutputs,
          })('auto'),
          prompt: 'Label it',
          maxRetries: 0,
          output: Output.object({ schema: jsonSchema<{ label: string }>(schema) }),
        };
        const object = streaming ? await streamText(options).output : (await generateText(options)).output;
        assert.deepEqual(object, { label: 'billing' });
        const sent = gw.local.requests.at(-1)!.body as Sent;
        assert.deepEqual(sent.format, supportsStructuredOutputs ? schema : 'json');
      });
    }

    test(`${streaming ? 'streamText' : 'generateText'}: a tool call and its result, round trip`, async () => {
      gw.cloud.enqueue(
        {
          toolCalls: [{ id: 'call_t', name: 'lookup_invoice', arguments: '{"number":"INV-7"}' }],
          chunkSize: 6,
        },
        { text: 'INV-7 is paid.' },
      );
      let executed: unknown;
      const options = {
        model: provider('tier:1'),
        prompt: 'Which invoice?',
        maxRetries: 0,
        tools: {
          lookup_invoice: tool({
            description: 'Finds an invoice',
            inputSchema: jsonSchema<{ number: string }>({
              type: 'object',
              properties: { number: { type: 'string' } },
            }),
            execute: async (input) => {
              executed = input;
              return 'paid';
            },
          }),
        },
        stopWhen: ({ steps }: { steps: unknown[] }) => steps.length >= 2,
      };
      const text = streaming ? await streamText(options).text : (await generateText(options)).text;
      assert.deepEqual(executed, { number: 'INV-7' });
      assert.equal(text, 'INV-7 is paid.');
      const sent = gw.cloud.requests.at(-1)!.body as Sent;
      assert.equal(sent.messages.at(-1)?.role, 'tool');
      assert.equal(sent.messages.at(-1)?.tool_call_id, 'call_t');
    });
  }

  test('an image file part reaches the vision model as image_url; the text-only tier 0 is skipped', async () => {
    gw.cloud.enqueue({ text: 'A pixel.' });
    const localCalls = gw.local.requests.length;
    const result = await generateText({
      model: provider('auto'),
      maxRetries: 0,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', image: tinyPngBase64, mediaType: 'image/png' },
          ],
        },
      ],
    });
    assert.equal(result.text, 'A pixel.');
    assert.equal(result.response.modelId, 'cloud-model');
    assert.equal(gw.local.requests.length, localCalls);
    const sent = gw.cloud.requests.at(-1)!.body as Sent;
    assert.deepEqual(sent.messages.at(-1)?.content, [
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${tinyPngBase64}` } },
    ]);
  });
});
