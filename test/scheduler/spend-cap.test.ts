import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createPlatform } from '../../src/cli/create-platform.ts';
import type { ChatResult } from '../../src/contracts/chat-result.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { ManualClock } from './manual-clock.ts';
import { createHarness, type Harness, testAgent, testJob } from './scheduler-harness.ts';

// 10,000 input tokens at $1 per million: every answer costs $0.01.
const centAnswer = { text: 'done', usage: { input: 10_000, output: 0 } };
const never = { kind: 'at' as const, atMs: Date.parse('2030-01-01T00:00:00Z') };

describe("an agent's daily spend cap (spendCap)", () => {
  let fake: FakeModelServer;
  before(async () => {
    fake = await startFakeModelServer({ api: 'openai-completions' });
  });
  after(() => fake.close());

  test("runs start while the UTC day's cap holds their calls' worst case, are refused past it without calling a model, and start again the next day; other agents are not held", async () => {
    fake.setDefault(centAnswer);
    // What the router spent, by caller tag and time: the ledger's spentSince over real answers.
    const spent: { at: number; tag?: string; costUsd: number }[] = [];
    let harness: Harness | undefined;
    harness = await createHarness(fake, {
      // A call's worst case is 8,192 output tokens at $2 per million ($0.0164) plus its short prompt:
      // under $0.035 with $0.01 or $0.02 spent, past it with $0.03.
      agents: [testAgent('capped', { spendCapUsd: 0.035 }), testAgent('free')],
      jobs: [testJob('c', 'capped', never), testJob('f', 'free', never)],
      start: '2026-01-01T23:00:00Z',
      routerOnClock: true,
      around: async (request, call) => {
        const result = (await call()) as ChatResult;
        spent.push({ at: harness?.clock.now() ?? 0, tag: request.callerTag, costUsd: result.costUsd });
        return result;
      },
      scheduler: {
        spentSince: (sinceMs, agentId) =>
          spent
            .filter((entry) => entry.tag === agentId && entry.at >= sinceMs)
            .reduce((sum, entry) => sum + entry.costUsd, 0),
      },
    });
    try {
      const { scheduler } = harness;
      await scheduler.start();
      const run = async (job: string) => scheduler.waitForRun((await scheduler.runNow(job)).id);
      assert.equal((await run('c')).status, 'ok', 'nothing spent yet');
      assert.equal((await run('c')).status, 'ok', '$0.01 spent: $0.0264 at worst, under $0.035');
      const callsBefore = fake.requests.length;
      const refused = await run('c');
      assert.equal(refused.status, 'error');
      // $0.02 spent passes the scheduler's check before the run; the router's reservation refuses the call.
      assert.match(
        refused.error ?? '',
        /^budget_exceeded: daily budget for agent "capped" reached: \$0\.036\d* spent or reserved of \$0\.035/,
      );
      assert.equal(fake.requests.length, callsBefore, 'a refused run calls no model');
      assert.equal(refused.costUsd, 0);
      assert.equal((await run('f')).status, 'ok', 'the cap is per agent');
      assert.equal((await run('f')).status, 'ok');
      assert.equal((await run('f')).status, 'ok', 'an agent without a cap runs past $0.02');

      await harness.clock.advance(60 * 60_000); // 2026-01-02T00:00:00Z: a new UTC day
      assert.equal((await run('c')).status, 'ok', 'the cap is per UTC day');
    } finally {
      fake.setDefault({});
      await harness.close();
    }
  });

  test('pyramid.yaml spendCap is enforced from the ledger by the platform scheduler', async () => {
    fake.setDefault(centAnswer);
    const home = await mkdtemp(join(tmpdir(), 'pyramid-spend-cap-'));
    await writeFile(
      join(home, 'pyramid.yaml'),
      `providers:
  fake: { api: openai-completions, baseUrl: "${fake.baseUrl}", apiKey: test }
models:
  m0: { provider: fake, id: m0, cost: { input: 1, output: 2 }, maxTokens: 1000 }
tiers: [[m0]]
agents:
  - { id: capped, prompt: "You answer.", spendCap: 0.015 }
jobs:
  - { id: c, agent: capped, schedule: { at: "2030-01-01T00:00:00Z" }, payload: { kind: agentTurn, message: "Go." } }
`,
    );
    const clock = new ManualClock('2026-03-01T12:00:00Z');
    const output = new PassThrough();
    const platform = await createPlatform(
      {
        env: { PYRAMID_HOME: home },
        stdout: output,
        stderr: output,
        homedir: home,
        cwd: home,
        now: () => clock.now(),
      },
      {},
    );
    const scheduler = platform.createScheduler({ clock });
    try {
      await scheduler.start();
      const run = async () => scheduler.waitForRun((await scheduler.runNow('c')).id);
      const first = await run();
      assert.equal(first.status, 'ok', first.error);
      const second = await run();
      assert.equal(second.status, 'ok', second.error);
      // The fake bills 10,000 input tokens for a prompt of a few, more than the router's worst case
      // ($0.002 a call) foresees: the ledger passes the cap, and the check before the run refuses it.
      const refused = await run();
      assert.equal(refused.status, 'error');
      assert.match(
        refused.error ?? '',
        /^agent_spend_cap: agent capped reached its spend cap of \$0\.015 for today \(\$0\.0200 spent\)$/,
      );
      assert.equal(await platform.ledger.spentSince(Date.parse('2026-03-01T00:00:00Z'), 'capped'), 0.02);
    } finally {
      await scheduler.stop();
      await platform.close();
      fake.setDefault({});
      await rm(home, { recursive: true, force: true });
    }
  });
});
