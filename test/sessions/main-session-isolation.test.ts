import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isolatedSessionId, mainSessionId } from '../../src/sessions/session-ids.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { createHarness, testAgent, testJob } from '../scheduler/scheduler-harness.ts';

type WireMessage = { role: string; content: unknown };
const messagesOf = (body: unknown) => (body as { messages?: WireMessage[] }).messages ?? [];
const text = (message: WireMessage) =>
  typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
const never = { kind: 'at' as const, atMs: Date.parse('2030-01-01T00:00:00Z') };

describe('sessions: an agent that keeps a main session still runs its isolated jobs in isolation', () => {
  let fake: FakeModelServer;
  before(async () => {
    fake = await startFakeModelServer({ api: 'openai-completions' });
  });
  after(() => fake.close());

  test('an isolated run of a main-session agent carries none of the main session (turns, answers, system events), and adds nothing to it', async () => {
    fake.requests.length = 0;
    const harness = await createHarness(fake, {
      agents: [testAgent('keeper', { prompt: 'SYSTEM-keeper', mainSession: true })],
      jobs: [
        testJob('main-turn', 'keeper', never, {
          session: 'main',
          payload: { kind: 'agentTurn', message: 'MAIN-TURN' },
        }),
        testJob('main-event', 'keeper', never, {
          session: 'main',
          payload: { kind: 'systemEvent', text: 'MAIN-EVENT' },
        }),
        testJob('alone', 'keeper', never, { payload: { kind: 'agentTurn', message: 'ISOLATED-TURN' } }),
      ],
    });
    try {
      const { scheduler, sessions } = harness;
      await scheduler.start();
      const run = async (job: string) => scheduler.waitForRun((await scheduler.runNow(job)).id);
      fake.enqueue({ text: 'MAIN-ANSWER' });
      assert.equal((await run('main-turn')).status, 'ok');
      assert.equal((await run('main-event')).status, 'ok');
      const mainBefore = (await sessions.messages(mainSessionId('keeper'))).length;
      assert.equal(mainBefore, 3, 'turn, answer and event are in the main session');

      fake.enqueue({ text: 'ISOLATED-ANSWER' });
      const isolated = await run('alone');
      assert.equal(isolated.status, 'ok');
      assert.equal(isolated.sessionId, isolatedSessionId('alone', isolated.id));
      const sent = messagesOf(fake.requests.at(-1)?.body);
      assert.deepEqual(
        sent.map((message) => [message.role, text(message)]),
        [
          ['system', 'SYSTEM-keeper'],
          ['user', 'ISOLATED-TURN'],
        ],
        'the isolated run sees its prompt and its message, nothing of the main session',
      );
      assert.deepEqual(
        (await sessions.messages(isolated.sessionId ?? '')).map((entry) => entry.message.content),
        ['ISOLATED-TURN', 'ISOLATED-ANSWER'],
      );
      assert.equal(
        (await sessions.messages(mainSessionId('keeper'))).length,
        mainBefore,
        'the main session is untouched',
      );

      // And the other way: the main session's next turn has its own history, not the isolated run.
      fake.enqueue({ text: 'MAIN-ANSWER-2' });
      assert.equal((await run('main-turn')).status, 'ok');
      const mainContext = messagesOf(fake.requests.at(-1)?.body).map(text).join('\n');
      assert.match(mainContext, /MAIN-TURN[\s\S]*MAIN-ANSWER[\s\S]*MAIN-EVENT/);
      assert.ok(!mainContext.includes('ISOLATED'), mainContext);
    } finally {
      await harness.close();
    }
  });
});
