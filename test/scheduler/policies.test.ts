import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defineJob } from '../../src/config/define-job.ts';
import { parseConfig } from '../../src/config/parse-config.ts';
import type { ChatRequest } from '../../src/contracts/chat-request.ts';
import { ConfigError } from '../../src/contracts/errors/config-error.ts';
import { messageText } from '../../src/contracts/message.ts';
import { openInlineStores } from '../../src/store/index.ts';
import { waitFor } from '../delivery/wait-for.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { createHarness, testAgent, testJob } from './scheduler-harness.ts';

const minute = 60_000;
const names = {
  agents: new Set(['bot', 'keeper']),
  mainSessionAgents: new Set(['keeper']),
  channels: new Map([
    ['tg', 'telegram'],
    ['log', 'file'],
  ]),
};

describe('overlap, catch-up, concurrency and subagents', () => {
  let fake: FakeModelServer;
  before(async () => {
    fake = await startFakeModelServer({ api: 'openai-completions' });
  });
  after(() => fake.close());

  for (const overlap of ['skip', 'queue'] as const) {
    test(`overlap ${overlap}: a slot that comes while the previous run is running is ${overlap === 'skip' ? 'recorded skipped' : 'run after it'}`, async () => {
      fake.setDefault({ delayMs: 150 });
      const harness = await createHarness(fake, {
        agents: [testAgent('a')],
        jobs: [testJob('j', 'a', { kind: 'every', everyMs: minute }, { overlap, timeoutMs: 10 * minute })],
        start: '2026-01-01T00:00:30Z',
      });
      try {
        await harness.scheduler.start();
        await harness.clock.advance(30_000); // slot 00:01 starts (its answer takes 150 ms of real time)
        await harness.clock.advance(minute); // slot 00:02 comes while it runs
        await harness.settle();
        const runs = (await harness.scheduler.listRuns()).sort(
          (x, y) => (x.slotTime ?? 0) - (y.slotTime ?? 0),
        );
        assert.deepEqual(
          runs.map((run) => run.status),
          overlap === 'skip' ? ['ok', 'skipped'] : ['ok', 'ok'],
        );
        assert.equal(runs.length, 2, 'one run per slot either way');
      } finally {
        fake.setDefault({});
        await harness.close();
      }
    });
  }

  test('catch-up after a long downtime: once runs the latest missed slot as catch-up, skip runs nothing', async () => {
    for (const catchUp of ['once', 'skip'] as const) {
      const harness = await createHarness(fake, {
        agents: [testAgent('a')],
        jobs: [testJob('hourly', 'a', { kind: 'every', everyMs: 60 * minute }, { catchUp })],
        start: '2026-01-01T00:30:00Z',
      });
      try {
        await harness.scheduler.start();
        await harness.clock.advance(30 * minute);
        await harness.settle();
        await harness.scheduler.stop();
        await harness.clock.advance(5 * 60 * minute + 30 * minute); // back at 06:30: slots 02:00..06:00 missed
        const restarted = harness.makeScheduler();
        await restarted.start();
        await harness.settle(restarted);
        const later = (await restarted.listRuns()).filter(
          (run) => run.slotTime !== Date.parse('2026-01-01T01:00:00Z'),
        );
        if (catchUp === 'once') {
          assert.deepEqual(
            later.map((run) => [new Date(run.slotTime ?? 0).toISOString(), run.trigger, run.status]),
            [['2026-01-01T06:00:00.000Z', 'catch-up', 'ok']],
          );
        } else {
          assert.deepEqual(later, []);
        }
        assert.equal((await restarted.listJobs())[0].nextRunAt, Date.parse('2026-01-01T07:00:00Z'));
        await restarted.stop();
      } finally {
        await harness.close();
      }
    }
  });

  test('concurrency under load: at most 2 agent runs at once; queued runs wait and all finish', async () => {
    fake.setDefault({ delayMs: 30 });
    let active = 0;
    let peak = 0;
    const harness = await createHarness(fake, {
      agents: [testAgent('a')],
      jobs: Array.from({ length: 12 }, (_, index) =>
        testJob(`j${index}`, 'a', { kind: 'every', everyMs: minute }),
      ),
      start: '2026-01-01T00:00:30Z',
      around: async (_request, call) => {
        active++;
        peak = Math.max(peak, active);
        try {
          return await call();
        } finally {
          active--;
        }
      },
    });
    try {
      await harness.scheduler.start();
      await harness.clock.advance(30_000);
      assert.equal(harness.scheduler.stats().running, 2);
      assert.equal(
        harness.scheduler.stats().queued,
        10,
        'the rest are queued, visible with their queue time',
      );
      await harness.settle();
      assert.equal(peak, 2);
      const runs = await harness.scheduler.listRuns();
      assert.equal(runs.length, 12);
      assert.ok(runs.every((run) => run.status === 'ok'));
    } finally {
      fake.setDefault({});
      await harness.close();
    }
  });

  test('subagent fan-out: two parents each spawn 6 subagents; at most 4 subagents at once, no deadlock with both agent slots waiting', async () => {
    let subActive = 0;
    let subPeak = 0;
    const isSub = (request: ChatRequest) => messageText(request.messages[0]).includes('You are a subagent');
    const spawn = (label: string) => ({
      toolCalls: [
        {
          name: 'spawn_subagents',
          arguments: JSON.stringify({
            tasks: Array.from({ length: 6 }, (_, i) => ({ prompt: `${label} part ${i}` })),
          }),
        },
      ],
    });
    fake.enqueue(spawn('A'), spawn('B'));
    fake.setDefault({ text: 'part done', delayMs: 20 });
    const harness = await createHarness(fake, {
      agents: [testAgent('researcher', { tools: ['spawn_subagents'], task: 'research' })],
      jobs: ['p1', 'p2'].map((id) => testJob(id, 'researcher', { kind: 'every', everyMs: minute })),
      start: '2026-01-01T00:00:30Z',
      around: async (request, call) => {
        if (!isSub(request)) return call();
        subActive++;
        subPeak = Math.max(subPeak, subActive);
        try {
          return await call();
        } finally {
          subActive--;
        }
      },
    });
    try {
      await harness.scheduler.start();
      await harness.clock.advance(30_000);
      await harness.settle();
      const runs = await harness.scheduler.listRuns();
      assert.deepEqual(
        runs.map((run) => run.status),
        ['ok', 'ok'],
      );
      assert.equal(subPeak, 4);
      for (const run of runs) {
        assert.equal(run.models.length, 8, 'parent twice + 6 subagents');
        assert.deepEqual([...new Set(run.tiers)], [2], 'research runs at tier 2');
        const children = (await harness.sessions.sessionsOfRun(run.id)).filter(
          (session) => session.kind === 'subagent',
        );
        assert.equal(children.length, 6);
      }
    } finally {
      fake.setDefault({});
      await harness.close();
    }
  });

  test('a run that times out while its subagent waits for the subagent lane ends at once and leaves the queue', async () => {
    const spawn = {
      toolCalls: [{ name: 'spawn_subagents', arguments: JSON.stringify({ tasks: [{ prompt: 'part' }] }) }],
    };
    // The slow job's subagent holds the only subagent slot until the test releases it.
    const release = Promise.withResolvers<void>();
    fake.enqueue(spawn, { text: 'slow part', release: release.promise }, spawn);
    fake.setDefault({ text: 'done' });
    const never = { kind: 'at' as const, atMs: Date.parse('2030-01-01T00:00:00Z') };
    const harness = await createHarness(fake, {
      agents: [testAgent('a', { tools: ['spawn_subagents'] })],
      concurrency: { agents: 2, subagents: 1 },
      jobs: [
        testJob('slow', 'a', never, { timeoutMs: 60 * minute }),
        testJob('quick', 'a', never, { timeoutMs: 5000 }),
      ],
    });
    try {
      await harness.scheduler.start();
      await harness.scheduler.runNow('slow');
      await waitFor(
        () => harness.scheduler.stats().subagentsActive === 1,
        15_000,
        "slow's subagent to start",
      );
      const quick = await harness.scheduler.runNow('quick');
      await waitFor(
        () => harness.scheduler.stats().subagentsWaiting === 1,
        15_000,
        "quick's subagent to wait",
      );
      await harness.clock.advance(5000); // quick's timeout
      // The slow subagent is held until released below: were quick held until it finished, this would hang.
      const finished = await harness.scheduler.waitForRun(quick.id);
      assert.equal(finished.status, 'timeout');
      assert.equal(harness.scheduler.stats().subagentsActive, 1, 'the other subagent is still running');
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        [harness.scheduler.stats().running, harness.scheduler.stats().subagentsWaiting],
        [1, 0],
        'its agent slot and its place in the subagent queue are given back',
      );
      release.resolve();
      await harness.settle();
    } finally {
      fake.setDefault({});
      await harness.close();
    }
  });

  test('a run that fails after calling models still records their tiers, models, usage and cost', async () => {
    fake.setDefault({ toolCalls: [{ name: 'recall', arguments: '{}' }] });
    const harness = await createHarness(fake, {
      agents: [testAgent('a', { tools: ['recall'], maxSteps: 2 })],
      jobs: [testJob('j', 'a', { kind: 'at', atMs: Date.parse('2030-01-01T00:00:00Z') })],
    });
    try {
      await harness.scheduler.start();
      const run = await harness.scheduler.waitForRun((await harness.scheduler.runNow('j')).id);
      assert.equal(run.status, 'error');
      assert.match(run.error ?? '', /used its 2 steps without a final answer/);
      const stored = await harness.scheduler.getRun(run.id);
      assert.deepEqual(stored?.models, ['m0', 'm0'], 'both model calls are in the history');
      assert.deepEqual(stored?.tiers, [0, 0]);
      assert.ok((stored?.usage.input ?? 0) > 0 && (stored?.costUsd ?? 0) > 0, JSON.stringify(stored));
    } finally {
      fake.setDefault({});
      await harness.close();
    }
  });

  /** A job whose first run times out and waits 10 s to retry; resolves once it waits. */
  async function timedOutAwaitingRetry() {
    fake.enqueue({ hang: true });
    const harness = await createHarness(fake, {
      agents: [testAgent('a')],
      jobs: [
        testJob(
          'j',
          'a',
          { kind: 'at', atMs: Date.parse('2026-01-01T00:01:00Z') },
          { timeoutMs: 5000, retries: 1, backoffMs: 10_000 },
        ),
      ],
    });
    await harness.scheduler.start();
    const calls = fake.requests.length;
    await harness.clock.advance(minute);
    await waitFor(() => fake.requests.length > calls, 15_000, 'the first attempt to call the model');
    await harness.clock.advance(5000); // the timeout
    await waitFor(
      async () => (await harness.scheduler.listRuns())[0]?.attempt === 1,
      15_000,
      'the timed-out run to wait for its retry',
    );
    const [run] = await harness.scheduler.listRuns();
    assert.deepEqual([run.status, run.attempt], ['queued', 1]);
    return harness;
  }

  test('a run stopped by a graceful shutdown is retried once at the next start, as after a crash', async () => {
    fake.enqueue({ hang: true });
    const harness = await createHarness(fake, {
      agents: [testAgent('a')],
      jobs: [
        testJob('j', 'a', { kind: 'at', atMs: Date.parse('2026-01-01T00:01:00Z') }, { retries: 1 }),
        testJob('once', 'a', { kind: 'at', atMs: Date.parse('2026-01-01T00:01:00Z') }),
      ],
    });
    const restarted = harness.makeScheduler();
    try {
      await harness.scheduler.start();
      const calls = fake.requests.length;
      await harness.clock.advance(minute);
      await waitFor(
        async () =>
          fake.requests.length > calls &&
          (await harness.scheduler.listRuns({ jobId: 'j' }))[0]?.status === 'running',
        15_000,
        'the run to call the model',
      );
      await harness.scheduler.stop({ drainMs: 0 });
      const stopped = await harness.scheduler.listRuns({ jobId: 'j' });
      assert.deepEqual(stopped.map((run) => [run.status, run.trigger]).sort(), [
        ['interrupted', 'schedule'],
        ['queued', 'retry'],
      ]);
      assert.equal(
        (await harness.scheduler.listRuns({ jobId: 'once' })).filter((run) => run.trigger === 'retry').length,
        0,
        'a job without retries is not retried',
      );
      await restarted.start();
      await harness.settle(restarted);
      const retry = (await restarted.listRuns({ jobId: 'j' })).find((run) => run.trigger === 'retry');
      assert.equal(retry?.status, 'ok');
      assert.equal(retry?.retryOf, stopped.find((run) => run.status === 'interrupted')?.id);
    } finally {
      await restarted.stop();
      await harness.close();
    }
  });

  test('a run past its timeout is recorded timeout, then retried after the backoff', async () => {
    const harness = await timedOutAwaitingRetry();
    try {
      let [run] = await harness.scheduler.listRuns();
      assert.match(run.error ?? '', /timed out after 5000 ms/);
      assert.equal(run.notBefore, Date.parse('2026-01-01T00:01:15Z'), 'the retry time is stored');
      await harness.clock.advance(10_000); // the backoff
      await harness.settle();
      [run] = await harness.scheduler.listRuns();
      assert.equal(run.status, 'ok');
      assert.equal(run.attempt, 2);
    } finally {
      await harness.close();
    }
  });

  test('a retry waiting for its backoff is not started early when another process writes the store', async () => {
    const harness = await timedOutAwaitingRetry();
    try {
      const calls = fake.requests.length;
      // Another connection (a CLI command) commits: the scheduler re-reads the store's active runs.
      const other = openInlineStores(harness.dbPath);
      await other.sessions.remember('a', 'note', 'from the CLI', harness.clock.now());
      await other.close();
      await harness.clock.advance(2000); // a poll: sees the change
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(fake.requests.length, calls, 'not called again before the backoff');
      assert.equal((await harness.scheduler.listRuns())[0].attempt, 1);
      await harness.clock.advance(8000); // the rest of the backoff
      await harness.settle();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const [run] = await harness.scheduler.listRuns();
      assert.deepEqual([run.status, run.attempt], ['ok', 2]);
      assert.equal(fake.requests.length, calls + 1, 'the retry ran once');
    } finally {
      await harness.close();
    }
  });

  test('a retry waiting for its backoff still waits after a restart, then runs', async () => {
    const harness = await timedOutAwaitingRetry();
    const restarted = harness.makeScheduler();
    try {
      await harness.scheduler.stop();
      const calls = fake.requests.length;
      await restarted.start();
      await harness.clock.advance(3000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(fake.requests.length, calls, 'the restart does not cut the backoff short');
      await harness.clock.advance(7000); // 10 s after the failure
      await harness.settle(restarted);
      const [run] = await restarted.listRuns();
      assert.deepEqual([run.status, run.attempt], ['ok', 2]);
    } finally {
      await restarted.stop();
      await harness.close();
    }
  });
});

describe('job definitions', () => {
  test('a systemEvent job with session isolated is rejected with a pointer to agentTurn / --message', () => {
    const yaml = `providers:
  local: { api: ollama, baseUrl: "http://127.0.0.1:11434" }
models:
  m: { provider: local, id: m, cost: { input: 0, output: 0 } }
tiers: [[m]]
agents:
  - { id: bot, prompt: "You help." }
jobs:
  - id: ping
    agent: bot
    schedule: { every: 1h }
    payload: { kind: systemEvent, text: "check in" }
    session: isolated
`;
    assert.throws(
      () => parseConfig(yaml, { env: {} }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const issue = error.issues.find((entry) => entry.path === 'jobs.0.session');
        assert.ok(issue, JSON.stringify(error.issues));
        assert.match(issue.message, /agentTurn/);
        assert.match(issue.message, /--message/);
        return true;
      },
    );
    assert.throws(
      () =>
        defineJob(
          {
            id: 'x',
            agent: 'bot',
            schedule: { every: '1h' },
            payload: { kind: 'systemEvent', text: 't' },
            session: 'isolated',
          },
          names,
        ),
      /--message/,
    );
  });

  test('a session: main job, or a systemEvent, needs an agent with mainSession: true', () => {
    const job = (agent: string, extra: Record<string, unknown>) =>
      defineJob({ id: 'x', agent, schedule: { every: '1h' }, ...extra }, names);
    assert.throws(
      () => job('bot', { payload: { kind: 'agentTurn', message: 'm' }, session: 'main' }),
      /session: agent "bot" keeps no main session: set mainSession: true on it, or use session: isolated/,
    );
    assert.throws(
      () => job('bot', { payload: { kind: 'systemEvent', text: 't' } }),
      /agent "bot" keeps no main session: set mainSession: true on it \(a systemEvent joins its main session\)/,
    );
    assert.equal(job('keeper', { payload: { kind: 'systemEvent', text: 't' } }).session, 'main');
    assert.equal(job('bot', { payload: { kind: 'agentTurn', message: 'm' } }).session, 'isolated');
    const yaml = `providers:
  local: { api: ollama, baseUrl: "http://127.0.0.1:11434" }
models:
  m: { provider: local, id: m, cost: { input: 0, output: 0 } }
tiers: [[m]]
agents:
  - { id: bot, prompt: "You help." }
jobs:
  - { id: ping, agent: bot, schedule: { every: 1h }, payload: { kind: agentTurn, message: hi }, session: main }
`;
    assert.throws(
      () => parseConfig(yaml, { env: {} }),
      /jobs\.0\.session: agent "bot" keeps no main session/,
    );
  });

  test('invalid cron expressions, unknown time zones and unknown agents are errors at definition time', () => {
    assert.throws(
      () =>
        defineJob(
          {
            id: 'x',
            agent: 'bot',
            schedule: { cron: '61 * * * *' },
            payload: { kind: 'agentTurn', message: 'm' },
          },
          names,
        ),
      /schedule\.cron: invalid cron expression "61 \* \* \* \*"/,
    );
    assert.throws(
      () =>
        defineJob(
          {
            id: 'x',
            agent: 'bot',
            schedule: { cron: '0 * * * *', tz: 'Mars/Olympus' },
            payload: { kind: 'agentTurn', message: 'm' },
          },
          names,
        ),
      /unknown time zone "Mars\/Olympus"/,
    );
    assert.throws(
      () =>
        defineJob(
          {
            id: 'x',
            agent: 'bot',
            schedule: { cron: 'bad', tz: 'Mars/Olympus' },
            payload: { kind: 'agentTurn', message: 'm' },
          },
          names,
        ),
      /schedule\.cron: invalid cron expression "bad".*\n.*schedule\.tz: unknown time zone "Mars\/Olympus"/s,
      'both problems at once',
    );
    assert.throws(
      () =>
        defineJob(
          {
            id: 'x',
            agent: 'nobody',
            schedule: { every: '5m' },
            payload: { kind: 'agentTurn', message: 'm' },
          },
          names,
        ),
      /unknown agent "nobody" \(known: bot, keeper\)/,
    );
  });

  test('deliver targets must name a configured channel (and give telegram a chat id) at definition time', () => {
    const job = (deliver: unknown) => ({
      id: 'x',
      agent: 'bot',
      schedule: { every: '5m' },
      payload: { kind: 'agentTurn', message: 'm' },
      deliver,
    });
    assert.throws(
      () => defineJob(job([{ channel: 'tgg', to: '1' }, 'slack-ops']), names),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(
          error.issues.map((issue) => issue.path),
          ['deliver.0.channel', 'deliver.1'],
        );
        assert.match(
          error.message,
          /unknown channel "tgg" \(did you mean "tg"\?\): configured channels are tg, log/,
        );
        assert.match(error.message, /unknown channel "slack-ops".*: configured channels are tg, log/);
        return true;
      },
    );
    assert.throws(
      () => defineJob(job([{ channel: 'tg' }]), names),
      /deliver\.0: a telegram target needs to:/,
    );
    assert.throws(
      () => defineJob(job(['log']), { ...names, channels: new Map() }),
      /unknown channel "log": no channels are configured/,
    );
    assert.deepEqual(defineJob(job([{ channel: 'tg', to: 42 }, 'log']), names).deliver, [
      { channel: 'tg', to: '42' },
      { channel: 'log' },
    ]);
  });
});
