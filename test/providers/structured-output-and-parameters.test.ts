// What a request says reaches the model: each adapter carries the schema and the parameters its
// protocol can express, in that protocol's fields, and names the ones it cannot. The fakes answer 400
// to what the real APIs reject (unknown fields, a schema without a name, tool_choice without tools).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { CallParameters } from '../../src/contracts/call-parameters.ts';
import type { ModelCall } from '../../src/contracts/model-call.ts';
import { apis, call, collect, modes, run, startHarness } from './adapter-harness.ts';

const schema = {
  type: 'object',
  properties: { label: { type: 'string', enum: ['bug', 'billing'] } },
  required: ['label'],
  additionalProperties: false,
};
const tools = [
  { name: 'lookup', description: 'Looks a customer up', parameters: { type: 'object', properties: {} } },
];
const everyParameter: CallParameters = {
  toolChoice: 'required',
  parallelToolCalls: false,
  stop: ['END'],
  topP: 0.5,
  seed: 7,
  presencePenalty: 0.25,
  frequencyPenalty: 0.75,
  user: 'user-42',
};
const withEverything = (): ModelCall =>
  call({
    responseFormat: { type: 'json-schema', name: 'ticket label', schema, strict: true },
    tools,
    parameters: everyParameter,
  });

type Body = Record<string, unknown>;
const lastBody = (fake: { requests: { body: unknown }[] }) => fake.requests.at(-1)!.body as Body;

/** Where each protocol puts each thing, and what it cannot express. */
const expectations: Record<
  (typeof apis)[number],
  {
    dropped: string[];
    check(body: Body): void;
    /** False when the format is left out of a call that offers tools; `formatCheck` then checks a call without. */
    formatWithTools?: false;
    formatCheck?(body: Body): void;
    jsonMode(body: Body): void;
    noFormat(body: Body): void;
  }
> = {
  'openai-completions': {
    dropped: [],
    check(body) {
      assert.deepEqual(body.response_format, {
        type: 'json_schema',
        json_schema: { name: 'ticket_label', schema, strict: true },
      });
      assert.equal(body.tool_choice, 'required');
      assert.equal(body.parallel_tool_calls, false);
      assert.deepEqual(body.stop, ['END']);
      assert.equal(body.top_p, 0.5);
      assert.equal(body.seed, 7);
      assert.equal(body.presence_penalty, 0.25);
      assert.equal(body.frequency_penalty, 0.75);
      assert.equal(body.user, 'user-42');
    },
    jsonMode: (body) => assert.deepEqual(body.response_format, { type: 'json_object' }),
    noFormat: (body) => assert.equal(body.response_format, undefined),
  },
  'anthropic-messages': {
    dropped: ['seed', 'presence_penalty', 'frequency_penalty'],
    check(body) {
      assert.deepEqual((body.output_config as Body).format, { type: 'json_schema', schema });
      assert.deepEqual(body.tool_choice, { type: 'any', disable_parallel_tool_use: true });
      assert.deepEqual(body.stop_sequences, ['END']);
      assert.equal(body.top_p, 0.5);
      assert.deepEqual(body.metadata, { user_id: 'user-42' });
      for (const field of ['seed', 'presence_penalty', 'frequency_penalty'])
        assert.equal(body[field], undefined);
    },
    jsonMode: (body) => assert.equal(body.output_config, undefined),
    noFormat: (body) => assert.equal(body.output_config, undefined),
  },
  'google-generative-ai': {
    dropped: ['parallel_tool_calls', 'user'],
    // Gemini 2.5 refuses function calling with a JSON mime type: beside tools the format is left out.
    formatWithTools: false,
    formatCheck(body) {
      const generation = body.generationConfig as Body;
      assert.equal(generation.responseMimeType, 'application/json');
      assert.equal((generation.responseSchema as Body).type, 'object');
      assert.deepEqual(Object.keys((generation.responseSchema as Body).properties as Body), ['label']);
    },
    check(body) {
      const generation = body.generationConfig as Body;
      assert.equal(generation.responseMimeType, undefined, 'no JSON mime type beside tools');
      assert.deepEqual(generation.stopSequences, ['END']);
      assert.equal(generation.topP, 0.5);
      assert.equal(generation.seed, 7);
      assert.equal(generation.presencePenalty, 0.25);
      assert.equal(generation.frequencyPenalty, 0.75);
      assert.deepEqual(body.toolConfig, { functionCallingConfig: { mode: 'ANY' } });
    },
    jsonMode(body) {
      const generation = body.generationConfig as Body;
      assert.equal(generation.responseMimeType, 'application/json');
      assert.equal(generation.responseSchema, undefined);
    },
    noFormat: (body) => assert.equal((body.generationConfig as Body).responseMimeType, undefined),
  },
  ollama: {
    dropped: ['tool_choice', 'parallel_tool_calls', 'user'],
    // Ollama's format grammar keeps a model from calling tools: beside tools the format is left out.
    formatWithTools: false,
    formatCheck: (body) => assert.deepEqual(body.format, schema),
    check(body) {
      assert.equal(body.format, undefined, 'no format beside tools');
      const options = body.options as Body;
      assert.deepEqual(options.stop, ['END']);
      assert.equal(options.top_p, 0.5);
      assert.equal(options.seed, 7);
      assert.equal(options.presence_penalty, 0.25);
      assert.equal(options.frequency_penalty, 0.75);
    },
    jsonMode: (body) => assert.equal(body.format, 'json'),
    noFormat: (body) => assert.equal(body.format, undefined),
  },
};

for (const api of apis) {
  describe(`${api}: structured output and parameters`, async () => {
    const expected = expectations[api];
    const harness = await startHarness(api);
    const jsonOnly = await startHarness(api, { model: { structuredOutput: 'json' } });
    const noFormat = await startHarness(api, { model: { structuredOutput: 'none' } });
    after(() => Promise.all([harness.fake.close(), jsonOnly.fake.close(), noFormat.fake.close()]));

    for (const mode of modes) {
      test(`${mode}: the schema and every expressible parameter go in the protocol's own fields`, async () => {
        harness.fake.enqueue({ text: '{"label":"bug"}' });
        const answer = await run(harness.adapter, mode, withEverything());
        assert.ok(
          !Array.isArray(answer) || answer.at(-1)?.type === 'finish',
          'the fake accepted the request',
        );
        expected.check(lastBody(harness.fake));
        if (expected.formatCheck) {
          harness.fake.enqueue({ text: '{"label":"bug"}' });
          await run(harness.adapter, mode, call({ responseFormat: withEverything().responseFormat }));
          expected.formatCheck(lastBody(harness.fake));
        }
      });
    }

    test('the adapter names exactly the parameters its protocol cannot express', () => {
      assert.deepEqual(harness.adapter.droppedParameters?.(withEverything()) ?? [], expected.dropped);
    });

    test('defaults need nothing sent and are never reported dropped', () => {
      const defaults = call({ tools, parameters: { toolChoice: 'auto', parallelToolCalls: true } });
      assert.deepEqual(harness.adapter.droppedParameters?.(defaults) ?? [], []);
      const withoutTools = call({ parameters: { toolChoice: 'required', parallelToolCalls: false } });
      assert.deepEqual(harness.adapter.droppedParameters?.(withoutTools) ?? [], []);
    });

    test('tool_choice and parallel_tool_calls without tools are left out (the APIs reject them)', async () => {
      jsonOnly.fake.enqueue({ text: 'fine' });
      await collect(
        jsonOnly.adapter.stream(call({ parameters: { toolChoice: 'none', parallelToolCalls: false } })),
      );
      const body = lastBody(jsonOnly.fake);
      assert.equal(body.tool_choice, undefined);
      assert.equal(body.parallel_tool_calls, undefined);
    });

    test('structuredOutput: json asks for JSON without the schema; none sends neither', async () => {
      const format = { type: 'json-schema' as const, name: 'label', schema };
      jsonOnly.fake.enqueue({ text: '{"label":"bug"}' });
      await jsonOnly.adapter.generate(call({ responseFormat: format }));
      expected.jsonMode(lastBody(jsonOnly.fake));
      noFormat.fake.enqueue({ text: '{"label":"bug"}' });
      await noFormat.adapter.generate(call({ responseFormat: format }));
      expected.noFormat(lastBody(noFormat.fake));
    });
  });
}

describe('tool-call ids', () => {
  for (const api of apis) {
    test(`${api}: every tool call of every answer has its own id`, async () => {
      const { fake, adapter } = await startHarness(api);
      try {
        const ids: string[] = [];
        for (let answer = 0; answer < 2; answer++) {
          // Fakes of protocols that carry ids send distinct ones; Ollama sends none.
          fake.enqueue({
            toolCalls: [
              { id: `toolu_${answer}a`, name: 'lookup', arguments: '{}' },
              { id: `toolu_${answer}b`, name: 'lookup', arguments: '{"q":1}' },
            ],
          });
          const events = await collect(adapter.stream(call({ tools })));
          for (const event of events) if (event.type === 'tool-call') ids.push(event.toolCall.id);
        }
        assert.equal(ids.length, 4);
        assert.equal(new Set(ids).size, 4, `ids repeat: ${ids.join(', ')}`);
      } finally {
        await fake.close();
      }
    });
  }
});
