import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { runPyramid } from './run-pyramid.ts';

describe('pyramid jobs run: the delivery status it prints', () => {
  let home: string;
  let fake: FakeModelServer;
  let env: Record<string, string>;
  before(async () => {
    fake = await startFakeModelServer({ api: 'openai-completions' });
    fake.setDefault({ text: 'billing' });
    home = await mkdtemp(join(tmpdir(), 'pyramid-jobs-run-'));
    await writeFile(
      join(home, 'pyramid.yaml'),
      `providers:
  fake: { api: openai-completions, baseUrl: "${fake.baseUrl}", apiKey: test }
models:
  m0: { provider: fake, id: m0, cost: { input: 0, output: 0 } }
tiers: [[m0]]
channels:
  log: { type: file, path: deliveries.jsonl }
agents:
  - { id: triage, prompt: "You label requests." }
jobs:
  - { id: silent, agent: triage, schedule: { every: 1h }, payload: { kind: agentTurn, message: "Label." } }
  - { id: logged, agent: triage, schedule: { every: 1h }, payload: { kind: agentTurn, message: "Label." }, deliver: [log] }
`,
    );
    env = { PYRAMID_HOME: home };
  });
  after(async () => {
    await fake.close();
    await rm(home, { recursive: true, force: true });
  });

  test('a run with no targets shows delivery none, as pyramid runs does, not pending', async () => {
    const ran = await runPyramid(['jobs', 'run', 'silent'], env);
    assert.equal(ran.code, 0, ran.stderr);
    const row = ran.stdout.split('\n')[1] ?? '';
    assert.match(row, /\bnone$/);
    const json = await runPyramid(['jobs', 'run', 'silent', '--json'], env);
    assert.equal((JSON.parse(json.stdout) as { deliveryStatus: string }).deliveryStatus, 'none');
  });

  test('a run whose delivery waits says that pyramid start sends it', async () => {
    const ran = await runPyramid(['jobs', 'run', 'logged'], env);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout.split('\n')[1] ?? '', /\bpending$/);
    assert.match(ran.stderr, /pyramid start/);
    assert.match(ran.stderr, /pyramid deliveries/);
  });
});
