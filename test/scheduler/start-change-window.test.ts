// A job added by another process (the CLI's `pyramid jobs add`) while the scheduler starts: the start
// reads the jobs and active runs before it notes the store's change counters, so a commit in between
// must still be seen at the next tick, not only after some later change.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { closeSqlite, openInlineStores, openSqlite } from '../../src/store/index.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { createHarness, testAgent, testJob } from './scheduler-harness.ts';

let fake: FakeModelServer;
before(async () => {
  fake = await startFakeModelServer({ api: 'openai-completions' });
});
after(() => fake.close());

test('a job another process adds while the scheduler starts runs at its slot', async () => {
  const harness = await createHarness(fake, { agents: [testAgent('a')] });
  const cliDb = openSqlite(harness.dbPath);
  const cli = openInlineStores(cliDb);
  try {
    let reads = 0;
    const store = {
      ...harness.store,
      // The CLI's commit lands after the start's last read of the store (its second look at the active
      // runs, after the recovery's), before the first tick.
      async activeRuns() {
        const runs = await harness.store.activeRuns();
        if (++reads === 2) {
          const now = harness.clock.now();
          await cli.scheduler.putJob({
            id: 'added',
            source: 'store',
            definition: testJob('added', 'a', { kind: 'every', everyMs: 60_000 }),
            nextRunAt: now + 1000,
            createdAt: now,
            updatedAt: now,
          });
        }
        return runs;
      },
    };
    const scheduler = harness.makeScheduler({ store });
    await scheduler.start();
    try {
      for (let step = 0; step < 5; step++) {
        await harness.clock.advance(2000);
        await harness.settle(scheduler);
      }
      const runs = await scheduler.listRuns({ jobId: 'added' });
      assert.equal(runs.length, 1, 'the added job ran at its slot, 1 s after it was added');
      assert.equal(runs[0]?.status, 'ok');
      assert.ok(reads >= 2, 'the CLI added the job during the start');
    } finally {
      await scheduler.stop();
    }
  } finally {
    await cli.close();
    closeSqlite(cliDb);
    await harness.close();
  }
});
