import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configJsonSchema } from '../../src/config/config-json-schema.ts';

type JsonSchema = {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
  enum?: string[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
};

describe('configJsonSchema', () => {
  const schema = JSON.parse(JSON.stringify(configJsonSchema())) as JsonSchema & { $schema: string };

  it('is draft 2020-12 JSON describing every section, rejecting unknown top-level keys', () => {
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.deepStrictEqual(Object.keys(schema.properties ?? {}), [
      'providers',
      'models',
      'tiers',
      'tasks',
      'embeddings',
      'aliases',
      'router',
      'budgets',
      'gateway',
      'concurrency',
      'scheduler',
      'agents',
      'jobs',
      'channels',
      'alerts',
      'retention',
      'reload',
      'targets',
      'store',
    ]);
    assert.deepStrictEqual(schema.required, ['providers', 'models', 'tiers']);
    assert.equal(schema.additionalProperties, false);
    for (const [name, section] of Object.entries(schema.properties ?? {})) {
      assert.ok(section.description, `${name} has a description`);
    }
  });

  it('describes the input shape: api enum, duration strings, defaults', () => {
    const provider = schema.properties!.providers.additionalProperties as JsonSchema;
    assert.deepStrictEqual(provider.required, ['api']);
    assert.deepStrictEqual(provider.properties!.api.enum, [
      'openai-completions',
      'anthropic-messages',
      'google-generative-ai',
      'ollama',
    ]);
    assert.ok(provider.properties!.api.description);
    const connect = provider.properties!.timeouts.properties!.connect;
    assert.equal(connect.default, '10s');
    assert.deepStrictEqual(
      connect.anyOf?.map((option) => option.type),
      ['number', 'string'],
    );
    const model = schema.properties!.models.additionalProperties as JsonSchema;
    assert.equal(model.properties!.minOutputTokens.default, 1024);
    assert.ok(model.properties!.cost.description);
    const breaker = schema.properties!.router.properties!.breaker;
    assert.equal(breaker.properties!.failureThreshold.default, 3);
  });
});
