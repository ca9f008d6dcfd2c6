import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/config/parse-config.ts';
import { shortestCronGapMs } from '../../src/config/schedule-limits.ts';
import { ConfigError } from '../../src/contracts/errors/config-error.ts';
import { offlinePyramidYaml } from '../cli/offline-pyramid-yaml.ts';
import { runPyramid } from '../cli/run-pyramid.ts';
import { startPyramid } from '../gateway/start-pyramid-process.ts';

const agents = 'agents:\n  - { id: triage, prompt: "You label requests." }\n';
const base = (extra = '') => offlinePyramidYaml(`gateway: { auth: { enabled: false } }\n${agents}${extra}`);
const fileJob = (schedule: string, extra = '') =>
  `jobs:\n  - { id: j, agent: triage, schedule: ${schedule}, payload: { kind: agentTurn, message: m }${extra} }\n`;

/** The issues parseConfig reports at `path`, as messages. */
function fileIssues(text: string, path: string): string[] {
  try {
    parseConfig(text, { env: {} });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues.filter((issue) => issue.path === path).map((issue) => issue.message);
  }
  return [];
}

const tooOften = /run it less often, or lower scheduler\.minInterval in pyramid\.yaml/;
// What each absurd schedule must be answered with, the same at every entry.
const cases = [
  {
    name: 'every 1ms',
    every: '1ms',
    file: '{ every: 1ms }',
    path: 'schedule.every',
    message: /^every 1ms is shorter than scheduler\.minInterval \(10s\): /,
  },
  {
    name: 'every 1e308',
    every: '1e308',
    file: '{ every: 1e308 }',
    path: 'schedule.every',
    message: /^at most 365d$/,
  },
  {
    name: 'a cron every second',
    cron: '* * * * * *',
    file: '{ cron: "* * * * * *" }',
    path: 'schedule.cron',
    message: /^"\* \* \* \* \* \*" fires every 1s, more often than scheduler\.minInterval \(10s\): /,
  },
];

describe('schedules: one validation of every duration and number, identical in the file, the CLI and the API', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pyramid-schedule-limits-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  const home = async (name: string, yaml: string) => {
    const dir = join(root, name);
    await mkdir(dir);
    await writeFile(join(dir, 'pyramid.yaml'), yaml);
    return dir;
  };

  test('the file: too short, too long and too frequent schedules are refused; scheduler.minInterval lowers the minimum', () => {
    for (const entry of cases) {
      const [message] = fileIssues(base(fileJob(entry.file)), `jobs.0.${entry.path}`);
      assert.match(message ?? '(no issue)', entry.message, entry.name);
    }
    assert.match(fileIssues(base(fileJob('{ every: 1ms }')), 'jobs.0.schedule.every')[0], tooOften);
    assert.match(fileIssues(base(fileJob('{ every: 0.4 }')), 'jobs.0.schedule.every')[0], /at least 1ms/);
    assert.match(
      fileIssues(base(fileJob('{ every: 1h }', ', retries: 1e9')), 'jobs.0.retries')[0],
      /at most 100 retries/,
    );
    // Lowered for tests and benchmarks; never below its own floor.
    const fast = base(`scheduler: { minInterval: 1s }\n${fileJob('{ every: 1s }')}`);
    assert.equal(parseConfig(fast, { env: {} }).config.jobs?.j.schedule.kind, 'every');
    assert.equal(parseConfig(fast, { env: {} }).config.scheduler?.minIntervalMs, 1000);
    const everySecond = base(`scheduler: { minInterval: 1s }\n${fileJob('{ cron: "* * * * * *" }')}`);
    assert.equal(parseConfig(everySecond, { env: {} }).config.jobs?.j.schedule.kind, 'cron');
    assert.match(
      fileIssues(base('scheduler: { minInterval: 10ms }\n'), 'scheduler.minInterval')[0],
      /at least 100ms/,
    );
    assert.equal(parseConfig(base(), { env: {} }).config.scheduler?.minIntervalMs, 10_000, 'the default');
  });

  test('a cron expression is measured by its shortest gap', () => {
    assert.equal(shortestCronGapMs('* * * * * *'), 1000);
    assert.equal(shortestCronGapMs('*/5 * * * * *'), 5000);
    assert.equal(shortestCronGapMs('* * * * *'), 60_000);
    assert.equal(shortestCronGapMs('0,1 9 * * *'), 60_000);
    assert.equal(shortestCronGapMs('59 0 * * * *'), 3_600_000);
    assert.equal(shortestCronGapMs('0 23,0 * * *'), 3_600_000, 'across midnight');
    assert.equal(shortestCronGapMs('0 9 * * 1'), 86_400_000);
  });

  test('the CLI: jobs add refuses the same schedules with the same messages (exit 78, not 70); config validate too', async () => {
    const [dir, huge, lowered] = await Promise.all([
      home('cli', base()),
      home('validate', base(fileJob('{ every: 1e308 }'))),
      home('cli-fast', base('scheduler: { minInterval: 1s }\n')),
    ]);
    // Each is its own CLI child (a Node start) and none depends on another's outcome: they run side by side.
    const [retries, fine, validate, fast, ...refused] = await Promise.all([
      runPyramid(
        ['jobs', 'add', 'j', '--agent', 'triage', '--every', '1h', '--retries', '1e9', '--message', 'm'],
        { PYRAMID_HOME: dir },
      ),
      runPyramid(['jobs', 'add', 'ok', '--agent', 'triage', '--every', '10s', '--message', 'm'], {
        PYRAMID_HOME: dir,
      }),
      runPyramid(['config', 'validate'], { PYRAMID_HOME: huge }),
      runPyramid(
        ['jobs', 'add', 'fast', '--agent', 'triage', '--cron', '* * * * * *', '--disabled', '--message', 'm'],
        { PYRAMID_HOME: lowered },
      ),
      ...cases.map((entry) => {
        const schedule = entry.cron ? ['--cron', entry.cron] : ['--every', entry.every!];
        return runPyramid(['jobs', 'add', 'j', '--agent', 'triage', ...schedule, '--message', 'm'], {
          PYRAMID_HOME: dir,
        });
      }),
    ]);
    cases.forEach((entry, index) => {
      const run = refused[index];
      assert.equal(run.code, 78, `${entry.name}: ${run.stderr}`);
      const line = run.stderr.split('\n').find((text) => text.includes(`${entry.path}:`)) ?? run.stderr;
      assert.match(line.replace(/^\s*[\w.]+: /, ''), entry.message, entry.name);
    });
    assert.equal(retries.code, 78, retries.stderr);
    assert.match(retries.stderr, /retries: at most 100 retries/);
    assert.equal(fine.code, 0, fine.stderr);
    assert.equal(validate.code, 78, validate.stderr);
    assert.match(validate.stderr, /jobs\.0\.schedule\.every: at most 365d/);
    assert.equal(fast.code, 0, fast.stderr);
  });

  test('the API: POST /api/jobs answers 400 invalid_job with the same issues (not a 500)', async () => {
    const dir = await home('api', base());
    const started = await startPyramid({ PYRAMID_HOME: dir });
    try {
      for (const entry of cases) {
        const schedule = entry.cron ? { cron: entry.cron } : { every: Number(entry.every) || entry.every };
        const response = await fetch(`${started.url}/api/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            id: 'j',
            agent: 'triage',
            schedule,
            payload: { kind: 'agentTurn', message: 'm' },
          }),
        });
        const body = (await response.json()) as {
          error: { code: string; issues: { path: string; message: string }[] };
        };
        assert.equal(response.status, 400, `${entry.name}: ${JSON.stringify(body)}`);
        assert.equal(body.error.code, 'invalid_job');
        const issue = body.error.issues.find((item) => item.path === entry.path);
        assert.match(issue?.message ?? JSON.stringify(body), entry.message, entry.name);
      }
      const health = await fetch(`${started.url}/health`);
      assert.equal(health.status, 200, 'still serving');
    } finally {
      started.child.kill('SIGTERM');
      await started.exited;
    }
  });
});
