import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runPyramid } from '../cli/run-pyramid.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';

describe('pyramid jobs and runs (real CLI)', () => {
  let home: string;
  let fake: FakeModelServer;
  let env: Record<string, string>;
  before(async () => {
    fake = await startFakeModelServer({ api: 'openai-completions' });
    home = await mkdtemp(join(tmpdir(), 'pyramid-jobs-cli-'));
    await writeFile(
      join(home, 'pyramid.yaml'),
      `providers:
  fake: { api: openai-completions, baseUrl: "${fake.baseUrl}", apiKey: test }
models:
  m0: { provider: fake, id: m0, cost: { input: 0, output: 0 } }
tiers: [[m0]]
tasks: { classify: 0 }
agents:
  - { id: triage, task: classify, prompt: "You label requests." }
jobs:
  - { id: hourly, agent: triage, schedule: { cron: "0 * * * *", tz: Europe/Berlin }, payload: { kind: agentTurn, message: "Label." } }
`,
    );
    env = { PYRAMID_HOME: home };
  });
  after(async () => {
    await fake.close();
    await rm(home, { recursive: true, force: true });
  });

  test('add, list --json, run, runs --json, disable, rm; systemEvent without main is refused with the hint', async () => {
    const added = await runPyramid(
      ['jobs', 'add', 'quick', '--agent', 'triage', '--every', '15m', '--message', 'Hi'],
      env,
    );
    assert.equal(added.code, 0, added.stderr);
    const refused = await runPyramid(
      [
        'jobs',
        'add',
        'bad',
        '--agent',
        'triage',
        '--every',
        '1h',
        '--system-event',
        'tick',
        '--session',
        'isolated',
      ],
      env,
    );
    assert.equal(refused.code, 78);
    assert.match(refused.stderr, /--message/);
    const listed = await runPyramid(['jobs', 'list', '--json'], env);
    const jobs = JSON.parse(listed.stdout) as { id: string; source: string }[];
    assert.deepEqual(
      jobs.map((job) => `${job.id}:${job.source}`),
      ['hourly:config', 'quick:store'],
    );
    fake.enqueue({ text: 'billing' });
    const ran = await runPyramid(['jobs', 'run', 'quick'], env);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /billing/);
    const runs = JSON.parse((await runPyramid(['runs', '--job', 'quick', '--json'], env)).stdout) as {
      status: string;
      output: string;
      trigger: string;
    }[];
    assert.deepEqual(
      runs.map((run) => [run.status, run.trigger, run.output]),
      [['ok', 'manual', 'billing']],
    );
    assert.equal((await runPyramid(['jobs', 'disable', 'hourly'], env)).code, 0);
    const after = JSON.parse((await runPyramid(['jobs', 'list', '--json'], env)).stdout) as {
      id: string;
      enabled: boolean;
    }[];
    assert.equal(after.find((job) => job.id === 'hourly')?.enabled, false);
    assert.equal((await runPyramid(['jobs', 'rm', 'quick'], env)).code, 0);
    const removed = await runPyramid(['jobs', 'rm', 'hourly'], env);
    assert.notEqual(removed.code, 0);
    assert.match(removed.stderr, /defined in pyramid.yaml/);
  });
});
