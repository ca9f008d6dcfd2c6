import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runPyramid } from './run-pyramid.ts';

describe('pyramid jobs add/edit --output', () => {
  let home: string;
  let env: Record<string, string>;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-jobs-output-'));
    await writeFile(
      join(home, 'pyramid.yaml'),
      `providers:
  fake: { api: openai-completions, baseUrl: "http://127.0.0.1:9/v1", apiKey: test }
models:
  m0: { provider: fake, id: m0, cost: { input: 0, output: 0 } }
tiers: [[m0]]
agents:
  - { id: triage, prompt: "You label requests." }
`,
    );
    env = { PYRAMID_HOME: home };
  });
  after(() => rm(home, { recursive: true, force: true }));

  const add = (id: string, ...extra: string[]) =>
    runPyramid(
      ['jobs', 'add', id, '--agent', 'triage', '--every', '1h', '--message', 'Label.', ...extra],
      env,
    );
  const outputOf = (stdout: string) =>
    (JSON.parse(stdout) as { definition: { output?: unknown } }[])[0].definition.output;

  test('a JSON Schema is checked like the config file (exit 78 naming the path); text that is not JSON is bad usage', async () => {
    const invalid = await add('bad', '--output', '{"type":"object","properties":{"label":{"type":"strin"}}}');
    assert.equal(invalid.code, 78, invalid.stderr);
    assert.match(invalid.stderr, /output\.schema\.properties\.label\.type: expected one of string, number/);
    const broken = await add('bad', '--output', '{"type": obj');
    assert.equal(broken.code, 64, broken.stderr);
    assert.match(broken.stderr, /--output: the JSON Schema is not valid JSON/);
  });

  test('add with a schema, edit to json, edit with "" back to the agent format', async () => {
    const schema = { type: 'object', required: ['label'], properties: { label: { type: 'string' } } };
    const added = await add('typed', '--output', JSON.stringify(schema), '--json');
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual(outputOf(added.stdout), { type: 'json-schema', schema });
    const json = await runPyramid(['jobs', 'edit', 'typed', '--output', 'json', '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(outputOf(json.stdout), { type: 'json' });
    const kept = await runPyramid(['jobs', 'edit', 'typed', '--timeout', '2m', '--json'], env);
    assert.deepEqual(outputOf(kept.stdout), { type: 'json' }, 'an edit of another field keeps it');
    const cleared = await runPyramid(['jobs', 'edit', 'typed', '--output', '', '--json'], env);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.equal(outputOf(cleared.stdout), undefined);
  });
});
