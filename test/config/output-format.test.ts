import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/parse-config.ts';
import { configIssues, issueAt, minimalYaml } from './config-test-helpers.ts';

const withAgents = (agents: string, jobs = '') =>
  `${minimalYaml}agents:\n${agents}${jobs ? `jobs:\n${jobs}` : ''}`;

describe('output: on agents and jobs', () => {
  it('resolves text, json and { schema, name } (the schema kept as written); a job has its own', () => {
    const { config } = parseConfig(
      withAgents(
        `  - { id: a, prompt: p, output: json }
  - { id: b, prompt: p, output: text }
  - id: c
    prompt: p
    output:
      name: label
      schema: { type: object, required: [label], properties: { label: { enum: [bug, other] } } }
  - { id: d, prompt: p }
`,
        `  - { id: j, agent: a, schedule: { every: 1h }, payload: { kind: agentTurn, message: m }, output: text }
  - { id: k, agent: a, schedule: { every: 1h }, payload: { kind: agentTurn, message: m } }
`,
      ),
      { env: {} },
    );
    const agents = config.agents ?? {};
    assert.deepEqual(agents.a.output, { type: 'json' });
    assert.deepEqual(agents.b.output, { type: 'text' });
    assert.deepEqual(agents.c.output, {
      type: 'json-schema',
      name: 'label',
      schema: { type: 'object', required: ['label'], properties: { label: { enum: ['bug', 'other'] } } },
    });
    assert.deepEqual(
      Object.keys((agents.c.output as { schema: object }).schema),
      ['type', 'required', 'properties'],
      'key order as written',
    );
    assert.equal(agents.d.output, undefined);
    assert.deepEqual(config.jobs?.j.output, { type: 'text' });
    assert.equal(config.jobs?.k.output, undefined, 'no output of its own: the agent decides');
  });

  it('checks a JSON Schema at load time and names the path of every mistake, with its line', () => {
    const issues = configIssues(
      withAgents(
        `  - id: a
    prompt: p
    output:
      schema:
        type: object
        properties:
          label: { type: strin }
          count: { type: integer, minimum: low }
          code: { type: string, pattern: "([a-z" }
        requierd: [label]
  - { id: b, prompt: p, output: yaml }
  - { id: c, prompt: p, output: { type: object } }
  - { id: d, prompt: p, output: { schema: { type: array, items: 5 } } }
`,
        `  - { id: j, agent: a, schedule: { every: 1h }, payload: { kind: agentTurn, message: m }, output: { schema: { $ref: "#/$defs/missing" } } }
`,
      ),
    );
    const at = (path: string) => issueAt(issues, path);
    assert.equal(
      at('agents.0.output.schema.properties.label.type').message,
      'expected one of string, number, integer, boolean, object, array, null',
    );
    assert.equal(at('agents.0.output.schema.properties.label.type').line, 14);
    assert.equal(
      at('agents.0.output.schema.properties.count.minimum').message,
      'expected a number, got a string',
    );
    assert.equal(
      at('agents.0.output.schema.properties.code.pattern').message,
      'not a valid regular expression',
    );
    assert.equal(
      at('agents.0.output.schema.requierd').message,
      'unknown JSON Schema keyword "requierd" (did you mean "required"?)',
    );
    assert.equal(at('agents.1.output').message, 'expected text, json or { schema: <JSON Schema> }');
    assert.match(at('agents.2.output.schema').message, /^is required: the JSON Schema goes under schema/);
    assert.match(at('agents.3.output.schema.items').message, /expected a JSON Schema/);
    assert.match(
      at('jobs.0.output.schema').message,
      /^Pyramid cannot check answers against this schema: .*#\/\$defs\/missing/,
    );
  });
});
