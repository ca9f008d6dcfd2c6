import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mainSessionId } from '../../src/sessions/session-ids.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { createHarness, testAgent, testJob } from '../scheduler/scheduler-harness.ts';

type WireMessage = { role: string; content: unknown };
const messagesOf = (body: unknown) => (body as { messages?: WireMessage[] }).messages ?? [];
const text = (message: WireMessage) =>
  typeof message.content === 'string' ? message.content : JSON.stringify(message.content);

describe('sessions: no context bleed', () => {
  let fake: FakeModelServer;
  before(async () => {
    fake = await startFakeModelServer({ api: 'openai-completions' });
  });
  after(() => fake.close());

  test('several agents concurrently: no request carries another session; a second isolated run carries nothing of the first', async () => {
    fake.requests.length = 0;
    fake.setDefault({ text: 'ANSWER-LEAK-CANARY', delayMs: 10 });
    const agents = ['alpha', 'beta', 'gamma', 'delta'].map((id) => testAgent(id, { prompt: `SYSTEM-${id}` }));
    const harness = await createHarness(fake, {
      agents,
      concurrency: { agents: 4, subagents: 4 },
      jobs: agents.map((agent) =>
        testJob(
          `job-${agent.id}`,
          agent.id,
          { kind: 'every', everyMs: 60_000 },
          {
            payload: { kind: 'agentTurn', message: `SECRET-${agent.id}` },
          },
        ),
      ),
      start: '2026-01-01T00:00:30Z',
    });
    try {
      await harness.scheduler.start();
      for (let round = 0; round < 3; round++) {
        await harness.clock.advance(60_000);
        await harness.settle();
      }
      const chats = fake.requests.filter((request) => request.path.includes('chat/completions'));
      assert.equal(chats.length, 12, '4 agents x 3 runs');
      for (const request of chats) {
        const messages = messagesOf(request.body);
        const owner = /SYSTEM-(\w+)/.exec(text(messages[0]))?.[1];
        assert.ok(owner, 'the system prompt comes first');
        const all = messages.map(text).join('\n');
        for (const agent of agents) {
          if (agent.id === owner) continue;
          assert.ok(
            !all.includes(`SYSTEM-${agent.id}`) && !all.includes(`SECRET-${agent.id}`),
            `${owner} saw ${agent.id}`,
          );
        }
        // Fresh session per run: exactly the system prompt and this run's message, nothing of earlier runs.
        assert.deepEqual(
          messages.map((message) => message.role),
          ['system', 'user'],
        );
        assert.equal(text(messages[1]), `SECRET-${owner}`);
        assert.ok(!all.includes('ANSWER-LEAK-CANARY'), 'no earlier answer in the context');
      }
      const runs = await harness.scheduler.listRuns({ jobId: 'job-alpha' });
      assert.equal(new Set(runs.map((run) => run.sessionId)).size, 3, 'a new session id per run');
      for (const run of runs) {
        assert.equal(run.sessionId, `job:job-alpha:run:${run.id}`);
        const transcript = (await harness.sessions.messages(run.sessionId ?? '')).map(
          (entry) => entry.message.role,
        );
        assert.deepEqual(transcript, ['user', 'assistant'], 'the transcript is in the store');
      }
    } finally {
      fake.setDefault({});
      await harness.close();
    }
  });

  test('a main session carries earlier turns of the same agent only, bounded by its token limit', async () => {
    fake.requests.length = 0;
    fake.setDefault({ text: 'noted' });
    const harness = await createHarness(fake, {
      agents: [
        testAgent('keeper', { prompt: 'SYSTEM-keeper', mainSession: true, mainSessionTokens: 60 }),
        testAgent('other', { prompt: 'SYSTEM-other' }),
      ],
      jobs: [
        testJob(
          'k',
          'keeper',
          { kind: 'every', everyMs: 60_000 },
          {
            session: 'main',
            payload: { kind: 'agentTurn', message: 'KEEPER-TURN' },
          },
        ),
        testJob(
          'o',
          'other',
          { kind: 'every', everyMs: 60_000 },
          { payload: { kind: 'agentTurn', message: 'OTHER-TURN' } },
        ),
      ],
      start: '2026-01-01T00:00:30Z',
    });
    try {
      await harness.scheduler.start();
      for (let round = 0; round < 6; round++) {
        await harness.clock.advance(60_000);
        await harness.settle();
      }
      const keeperRequests = fake.requests
        .map((request) => messagesOf(request.body))
        .filter((messages) => text(messages[0]) === 'SYSTEM-keeper');
      assert.equal(keeperRequests.length, 6);
      assert.equal(keeperRequests[0].length, 2, 'the first turn has no history');
      assert.equal(keeperRequests[1].length, 4, 'the second carries the first turn');
      const last = keeperRequests[5];
      assert.ok(last.length < 12, `bounded: ${last.length} messages, not all 11`);
      assert.ok(keeperRequests.every((messages) => !messages.map(text).join().includes('OTHER')));
      assert.equal(
        (await harness.sessions.messages(mainSessionId('keeper'))).length,
        12,
        'the whole transcript is kept',
      );
    } finally {
      fake.setDefault({});
      await harness.close();
    }
  });

  test('turns of one main session never overlap: two jobs and a system event at once join it one after another', async () => {
    fake.requests.length = 0;
    fake.setDefault({ text: 'answered', delayMs: 50 });
    const main = (
      id: string,
      payload: { kind: 'agentTurn'; message: string } | { kind: 'systemEvent'; text: string },
    ) => testJob(id, 'keeper', { kind: 'every', everyMs: 60_000 }, { session: 'main', payload });
    const harness = await createHarness(fake, {
      agents: [testAgent('keeper', { mainSession: true })],
      concurrency: { agents: 3, subagents: 4 },
      jobs: [
        main('first', { kind: 'agentTurn', message: 'TURN-ONE' }),
        main('second', { kind: 'agentTurn', message: 'TURN-TWO' }),
        main('event', { kind: 'systemEvent', text: 'EVENT' }),
      ],
      start: '2026-01-01T00:00:30Z',
    });
    try {
      await harness.scheduler.start();
      await harness.clock.advance(30_000);
      await harness.settle();
      assert.deepEqual(
        (await harness.scheduler.listRuns()).map((run) => run.status),
        ['ok', 'ok', 'ok'],
      );
      const transcript = (await harness.sessions.messages(mainSessionId('keeper'))).map(
        (entry) => `${entry.message.role}:${entry.message.content}`,
      );
      // Each turn's answer follows its own message; the event sits between turns, never inside one.
      for (const [index, line] of transcript.entries()) {
        if (line.startsWith('user:TURN'))
          assert.equal(transcript[index + 1], 'assistant:answered', transcript.join(' | '));
      }
      const second = fake.requests.map((request) => messagesOf(request.body).map(text))[1];
      assert.ok(second.includes('answered'), 'the later turn sees the earlier answer');
    } finally {
      fake.setDefault({});
      await harness.close();
    }
  });
});
