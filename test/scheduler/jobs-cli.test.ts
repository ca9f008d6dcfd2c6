import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
channels:
  log: { type: file, path: deliveries.jsonl }
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
    // Each CLI child costs a Node start: the ones that only read (or are refused) run side by side.
    const [refused, listed] = await Promise.all([
      runPyramid(
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
      ),
      runPyramid(['jobs', 'list', '--json'], env),
    ]);
    assert.equal(refused.code, 78);
    assert.match(refused.stderr, /--message/);
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
    const runId = (runs[0] as unknown as { id: string }).id;
    const [shown, shownJsonRun, missing, okOnlyRun, errorsOnlyRun, badStatus] = await Promise.all([
      runPyramid(['runs', 'show', runId], env),
      runPyramid(['runs', 'show', runId, '--json'], env),
      runPyramid(['runs', 'show', 'no-such-run'], env),
      runPyramid(['runs', '--status', 'ok', '--json'], env),
      runPyramid(['runs', '--status', 'error', '--json'], env),
      runPyramid(['runs', '--status', 'failed'], env),
    ]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^run +${runId}\n`));
    assert.match(shown.stdout, /job +quick \(agent triage\)/);
    assert.match(shown.stdout, /status +ok/);
    assert.match(shown.stdout, /models +m0 \(tier 0\)/);
    assert.match(shown.stdout, /\n\nbilling\n$/);
    const shownJson = JSON.parse(shownJsonRun.stdout);
    assert.equal(shownJson.run.output, 'billing');
    assert.deepEqual(shownJson.deliveries, []);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no run no-such-run \(see pyramid runs\)/);
    assert.equal(JSON.parse(okOnlyRun.stdout).length, 1);
    assert.deepEqual(JSON.parse(errorsOnlyRun.stdout), []);
    assert.equal(badStatus.code, 64);
    assert.match(
      badStatus.stderr,
      /--status takes one of queued, running, ok, error, timeout, skipped, interrupted/,
    );
    assert.equal((await runPyramid(['jobs', 'disable', 'hourly'], env)).code, 0);
    const [afterRun, table] = await Promise.all([
      runPyramid(['jobs', 'list', '--json'], env),
      runPyramid(['jobs', 'list'], env),
    ]);
    const after = JSON.parse(afterRun.stdout) as { id: string; enabled: boolean }[];
    assert.equal(after.find((job) => job.id === 'hourly')?.enabled, false);
    assert.match(
      table.stdout.split('\n').find((line) => line.startsWith('hourly')) ?? '',
      /no +config +- \(disabled\)$/,
      'a disabled job shows no next run',
    );
    const [removedQuick, removed] = await Promise.all([
      runPyramid(['jobs', 'rm', 'quick'], env),
      runPyramid(['jobs', 'rm', 'hourly'], env),
    ]);
    assert.equal(removedQuick.code, 0, removedQuick.stderr);
    assert.notEqual(removed.code, 0);
    assert.match(removed.stderr, /defined in pyramid.yaml/);
  });

  test('jobs add/edit refuse a deliver target on an unknown channel (exit 78, naming the configured ones) and an unknown agent', async () => {
    const add = (id: string, ...options: string[]) =>
      runPyramid(['jobs', 'add', id, '--every', '1h', '--message', 'Hi', ...options], env);
    const [nowhere, ghost, added] = await Promise.all([
      add('to-slack', '--agent', 'triage', '--deliver', 'slack:C0123'),
      add('ghostly', '--agent', 'ghost', '--deliver', 'log'),
      add('logged', '--agent', 'triage', '--deliver', 'log', '--json'),
    ]);
    assert.equal(nowhere.code, 78);
    assert.match(nowhere.stderr, /deliver\.0\.channel: unknown channel "slack": configured channels are log/);
    assert.equal(ghost.code, 78);
    assert.match(ghost.stderr, /invalid job "ghostly":\n\s+agent: unknown agent "ghost" \(known: triage\)/);
    assert.equal(added.code, 0, added.stderr);
    const [job] = JSON.parse(added.stdout) as { definition: { deliver: unknown[] } }[];
    assert.deepEqual(job.definition.deliver, [{ channel: 'log' }]);
    // A refused edit changes nothing, so it may run beside the edit that succeeds.
    const [edited, reset] = await Promise.all([
      runPyramid(['jobs', 'edit', 'logged', '--deliver', 'log', '--deliver', 'tg:42:7'], env),
      runPyramid(['jobs', 'edit', 'logged', '--deliver', '', '--json'], env),
    ]);
    assert.equal(edited.code, 78);
    assert.match(edited.stderr, /deliver\.1\.channel: unknown channel "tg": configured channels are log/);
    assert.equal(reset.code, 0, reset.stderr);
    assert.deepEqual(
      (JSON.parse(reset.stdout) as { definition: { deliver: unknown[] } }[])[0].definition.deliver,
      [],
    );

    const listed = JSON.parse((await runPyramid(['jobs', 'list', '--json'], env)).stdout) as { id: string }[];
    assert.deepEqual(
      listed.map((entry) => entry.id).filter((id) => id !== 'hourly'),
      ['logged'],
    );
    assert.equal((await runPyramid(['jobs', 'rm', 'logged'], env)).code, 0);
  });

  test('jobs add without an agent or a schedule is bad usage (exit 64) naming the flags to give', async () => {
    const [noSchedule, noAgent] = await Promise.all([
      runPyramid(['jobs', 'add', 'loose', '--agent', 'triage', '--message', 'Hi'], env),
      runPyramid(['jobs', 'add', 'loose', '--every', '1h', '--message', 'Hi'], env),
    ]);
    assert.equal(noSchedule.code, 64);
    assert.match(noSchedule.stderr, /give the job a schedule: --cron <expression> \[--tz <zone>\], --every/);
    assert.equal(noAgent.code, 64);
    assert.match(noAgent.stderr, /give the job an agent: --agent <id>/);
    const listed = JSON.parse((await runPyramid(['jobs', 'list', '--json'], env)).stdout) as { id: string }[];
    assert.equal(
      listed.some((job) => job.id === 'loose'),
      false,
    );
  });

  test('jobs list warns about an added job whose deliver channel was since removed from the config', async () => {
    const added = await runPyramid(
      ['jobs', 'add', 'to-log', '--agent', 'triage', '--every', '1h', '--message', 'Hi', '--deliver', 'log'],
      env,
    );
    assert.equal(added.code, 0, added.stderr);
    const withoutLog = join(home, 'without-log.yaml');
    await writeFile(
      withoutLog,
      (await readFile(join(home, 'pyramid.yaml'), 'utf8')).replace(/channels:\n.*\n/, ''),
    );
    const [fine, listed] = await Promise.all([
      runPyramid(['jobs', 'list'], env),
      runPyramid(['jobs', 'list', '--config', withoutLog], env),
    ]);
    assert.doesNotMatch(fine.stderr, /no longer fits/);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(
      listed.stderr,
      /warning: job to-log no longer fits the config \(deliver\.0\.channel: unknown channel "log": no channels are configured\): fix it with pyramid jobs edit to-log/,
    );
    assert.equal((await runPyramid(['jobs', 'rm', 'to-log'], env)).code, 0);
  });

  test('jobs list shows an added job held to a raised scheduler.minInterval, and says what to do', async () => {
    const oneSecond = join(home, 'one-second.yaml');
    await writeFile(
      oneSecond,
      `${await readFile(join(home, 'pyramid.yaml'), 'utf8')}scheduler: { minInterval: 1s }\n`,
    );
    const added = await runPyramid(
      [
        'jobs',
        'add',
        'quick',
        '--agent',
        'triage',
        '--every',
        '2s',
        '--message',
        'Hi',
        '--config',
        oneSecond,
      ],
      env,
    );
    assert.equal(added.code, 0, added.stderr);
    // Under the default 10 s the job is held to it, not refused or dropped.
    const [table, json] = await Promise.all([
      runPyramid(['jobs', 'list'], env),
      runPyramid(['jobs', 'list', '--json'], env),
    ]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /quick .*every 2s \(held to 10s: minInterval\)/);
    assert.match(
      table.stderr,
      /warning: job quick is scheduled every 2s, more often than scheduler.minInterval \(10s\): it runs at most every 10s; give it a longer schedule \(pyramid jobs edit quick --every 10s\)/,
    );
    assert.doesNotMatch(table.stderr, /no longer fits/);
    const quick = (JSON.parse(json.stdout) as { id: string; throttledToMs?: number }[]).find(
      (job) => job.id === 'quick',
    );
    assert.equal(quick?.throttledToMs, 10_000);
    assert.equal((await runPyramid(['jobs', 'rm', 'quick'], env)).code, 0);
  });
});
