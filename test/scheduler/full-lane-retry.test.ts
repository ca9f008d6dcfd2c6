// Several processes, one platform lane: a process whose runs were refused because other processes'
// runs filled the lane tries again a moment later, not at its next tick (which can be seconds away).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '../delivery/wait-for.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { settleMicrotasks } from './manual-clock.ts';
import { createHarness, testAgent, testJob } from './scheduler-harness.ts';

let fake: FakeModelServer;
before(async () => {
  fake = await startFakeModelServer({ api: 'openai-completions' });
});
after(() => fake.close());

test('a run refused for a full platform lane starts within a moment of the lane freeing, before the next tick', async () => {
  const release = Promise.withResolvers<void>();
  fake.enqueue({ text: 'first', release: release.promise });
  fake.setDefault({ text: 'second' });
  const never = { kind: 'at' as const, atMs: Date.parse('2030-01-01T00:00:00Z') };
  const harness = await createHarness(fake, {
    agents: [testAgent('a')],
    jobs: [testJob('ja', 'a', never), testJob('jb', 'a', never)],
    concurrency: { agents: 1, subagents: 1 },
    scheduler: { leases: { owner: 'first', leaseMs: 60_000 }, pollMs: 10_000 },
  });
  const second = harness.makeScheduler({ leases: { owner: 'second', leaseMs: 60_000 }, pollMs: 10_000 });
  try {
    await harness.scheduler.start();
    await second.start();
    const first = await harness.scheduler.runNow('ja');
    await waitFor(
      async () => (await harness.store.getRun(first.id))?.status === 'running',
      15_000,
      'the first run to hold the lane',
    );
    const refused = await second.runNow('jb');
    await waitFor(
      () => fake.requests.length === 1 && second.stats().queued === 1,
      15_000,
      'the second run to be refused a slot',
    );
    await settleMicrotasks();
    assert.equal((await harness.store.getRun(refused.id))?.status, 'queued', 'the lane of one is full');
    release.resolve();
    await waitFor(
      async () => (await harness.store.getRun(first.id))?.status === 'ok',
      15_000,
      'the first run to finish',
    );
    // A fifth of a second on the processes' clock; the next tick is 10 s away.
    await harness.clock.advance(250);
    await waitFor(
      async () => (await harness.store.getRun(refused.id))?.status === 'ok',
      15_000,
      'the refused run to start and finish',
    );
    assert.equal((await harness.store.getRun(refused.id))?.output, 'second');
  } finally {
    release.resolve();
    await second.stop();
    await harness.close();
  }
});
