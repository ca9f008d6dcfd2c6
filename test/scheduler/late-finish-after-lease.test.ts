// A run that outlives its lease (its process stalled, or lost the store, for longer than the lease): once
// another process has interrupted it, the late finisher's result must not overwrite that status.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SchedulerEvent } from '../../src/scheduler/scheduler.ts';
import { waitFor } from '../delivery/wait-for.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { ManualClock } from './manual-clock.ts';
import { createHarness, testAgent, testJob } from './scheduler-harness.ts';

let fake: FakeModelServer;
before(async () => {
  fake = await startFakeModelServer({ api: 'openai-completions' });
});
after(() => fake.close());

test('a run finished after another process interrupted it on its ended lease stays interrupted, and the late finisher says so', async () => {
  const release = Promise.withResolvers<void>();
  fake.enqueue({ text: 'the late answer', release: release.promise });
  const events: SchedulerEvent[] = [];
  const never = { kind: 'at' as const, atMs: Date.parse('2030-01-01T00:00:00Z') };
  const harness = await createHarness(fake, {
    agents: [testAgent('a')],
    jobs: [testJob('j', 'a', never)],
    scheduler: { leases: { owner: 'first', leaseMs: 3000 }, onEvent: (event) => events.push(event) },
  });
  // The second process's clock is past the first's lease; the first's never moves, so its lease is
  // never renewed: it stalls, as a process does that lost the store for longer than its lease.
  const second = harness.makeScheduler({
    clock: new ManualClock(harness.clock.now() + 60_000),
    leases: { owner: 'second', leaseMs: 3000 },
  });
  try {
    await harness.scheduler.start();
    const queued = await harness.scheduler.runNow('j');
    await waitFor(
      async () => (await harness.store.getRun(queued.id))?.status === 'running' && fake.requests.length === 1,
      15_000,
      'the run to be running and calling the model',
    );
    const { interrupted } = await second.start();
    assert.deepEqual(
      interrupted.map((run) => run.id),
      [queued.id],
      'the second process interrupts the run whose lease ended',
    );
    release.resolve();
    await waitFor(
      () => events.some((event) => event.type === 'run-lost' || event.type === 'run-finished'),
      15_000,
      'the late finish',
    );
    const stored = await harness.store.getRun(queued.id);
    assert.equal(stored?.status, 'interrupted', 'the late result did not overwrite interrupted');
    assert.equal(stored?.output, undefined);
    const lost = events.find((event) => event.type === 'run-lost');
    assert.ok(lost?.type === 'run-lost');
    assert.equal(lost.run.status, 'ok');
    assert.match(
      lost.message,
      new RegExp(`run ${queued.id} of job j ended \\(ok\\) after its lease had run out`),
    );
    assert.equal(
      events.some((event) => event.type === 'run-finished'),
      false,
      'not reported as finished',
    );
    assert.equal(harness.scheduler.stats().running, 0);
  } finally {
    release.resolve();
    await second.stop();
    await harness.close();
  }
});
