// LangChain JS (@langchain/openai) against the gateway: chat completions and the Responses API
// (useResponsesApi), streaming and not, tools, and withStructuredOutput.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';
import { clientToken, startTestGateway, type TestGateway } from './start-test-gateway.ts';

type Body = Record<string, unknown>;

describe('LangChain ChatOpenAI against the gateway', () => {
  let gw: TestGateway;
  const chat = (options: { model?: string; useResponsesApi?: boolean } = {}) =>
    new ChatOpenAI({
      model: options.model ?? 'auto',
      apiKey: clientToken,
      configuration: { baseURL: `${gw.url}/v1` },
      maxRetries: 0,
      useResponsesApi: options.useResponsesApi ?? false,
    });
  before(async () => {
    gw = await startTestGateway();
  });
  after(() => gw.close());

  for (const useResponsesApi of [false, true]) {
    const api = useResponsesApi ? 'useResponsesApi' : 'chat completions';
    test(`${api}: invoke and stream`, async () => {
      gw.local.enqueue({ text: 'billing' }, { text: 'Hello there, streaming world.', chunkSize: 5 });
      const answer = await chat({ useResponsesApi }).invoke('My invoice is wrong');
      assert.equal(answer.text, 'billing');
      let text = '';
      let chunks = 0;
      for await (const chunk of await chat({ useResponsesApi }).stream('hi')) {
        if (chunk.text) {
          text += chunk.text;
          chunks++;
        }
      }
      assert.equal(text, 'Hello there, streaming world.');
      assert.ok(chunks > 1, 'several chunks');
      assert.equal(gw.local.requests.at(-1)?.path, '/api/chat');
      const paths = gw.logs().match(/"path":"\/v1\/(responses|chat\/completions)"/g) ?? [];
      assert.equal(
        paths.at(-1),
        useResponsesApi ? '"path":"/v1/responses"' : '"path":"/v1/chat/completions"',
      );
    });

    test(`${api}: a bound tool comes back as a tool call`, async () => {
      gw.cloud.enqueue({
        toolCalls: [{ id: 'call_lc', name: 'lookup_invoice', arguments: '{"number":"INV-7"}' }],
      });
      const model = chat({ model: 'tier:1', useResponsesApi }).bindTools([
        {
          type: 'function',
          function: {
            name: 'lookup_invoice',
            description: 'Finds an invoice',
            parameters: { type: 'object', properties: { number: { type: 'string' } }, required: ['number'] },
          },
        },
      ]);
      const answer = await model.invoke('Which invoice?');
      assert.equal(answer.tool_calls?.[0]?.name, 'lookup_invoice');
      assert.deepEqual(answer.tool_calls?.[0]?.args, { number: 'INV-7' });
    });

    test(`${api}: withStructuredOutput sends the schema and parses the answer`, async () => {
      gw.cloud.enqueue({ text: '{"label":"billing","urgent":true}' });
      const structured = chat({ model: 'tier:1', useResponsesApi }).withStructuredOutput(
        z.object({ label: z.enum(['bug', 'billing']), urgent: z.boolean() }),
        { name: 'ticket' },
      );
      assert.deepEqual(await structured.invoke('My invoice is wrong!'), { label: 'billing', urgent: true });
      const format = (gw.cloud.requests.at(-1)!.body as Body).response_format as {
        type: string;
        json_schema: Body;
      };
      assert.equal(format.type, 'json_schema');
      assert.equal(format.json_schema.name, 'ticket');
    });
  }
});
