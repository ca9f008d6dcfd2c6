// Jobs stored with a schedule below scheduler.minInterval (added before the limit existed, or before it
// was raised): the scheduler holds them to the minimum, says so at start and at reload, and lists them so.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SchedulerEvent } from '../../src/scheduler/scheduler.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { createHarness, type Harness, testAgent, testJob } from './scheduler-harness.ts';

/** Advances the clock in steps, letting the runs each step starts finish. */
async function walk(harness: Harness, ms: number, stepMs: number) {
  const until = harness.clock.now() + ms;
  while (harness.clock.now() < until) {
    await harness.clock.advance(Math.min(stepMs, until - harness.clock.now()));
    await harness.settle();
  }
}

/** Stores a job as `jobs add` did before the limit: no validation against scheduler.minInterval. */
async function storeJob(harness: Harness, id: string, schedule: Parameters<typeof testJob>[2]) {
  const now = harness.clock.now();
  await harness.store.putJob({
    id,
    source: 'store',
    definition: testJob(id, 'a', schedule),
    nextRunAt: now + 1000,
    createdAt: now,
    updatedAt: now,
  });
}

describe('stored jobs below scheduler.minInterval', () => {
  let fake: FakeModelServer;
  before(async () => {
    fake = await startFakeModelServer({ api: 'openai-completions' });
  });
  after(() => fake.close());

  test('at start: an every-1s job and an every-second cron run at most every minInterval, with a warning naming each and what to do, and the listing shows it', async () => {
    const events: SchedulerEvent[] = [];
    const harness = await createHarness(fake, {
      agents: [testAgent('a')],
      scheduler: { onEvent: (event) => events.push(event) },
    });
    try {
      harness.config.scheduler = { minIntervalMs: 10_000 };
      await storeJob(harness, 'fast', { kind: 'every', everyMs: 1000 });
      await storeJob(harness, 'busy-cron', { kind: 'cron', cron: '* * * * * *' });
      await storeJob(harness, 'slow', { kind: 'every', everyMs: 20_000 });
      await harness.scheduler.start();
      const warnings = events.filter((event) => event.type === 'job-throttled');
      assert.deepEqual(warnings.map((event) => event.job.id).sort(), ['busy-cron', 'fast']);
      const fast = warnings.find((event) => event.job.id === 'fast');
      assert.match(
        fast?.type === 'job-throttled' ? fast.message : '',
        /job fast is scheduled every 1s, more often than scheduler.minInterval \(10s\): it runs at most every 10s; .*pyramid jobs edit fast --every 10s/,
      );
      await walk(harness, 60_000, 500);
      const runs = async (id: string) => (await harness.scheduler.listRuns({ jobId: id })).length;
      // 60 s at 1 s would be 60 runs; held to 10 s it is 6 or 7 (the slot already stored runs first).
      assert.ok((await runs('fast')) <= 7, `fast ran ${await runs('fast')} times in 60 s`);
      assert.ok((await runs('fast')) >= 5, `fast still runs: ${await runs('fast')} times`);
      assert.ok((await runs('busy-cron')) <= 7, `busy-cron ran ${await runs('busy-cron')} times in 60 s`);
      assert.equal(
        await runs('slow'),
        4,
        'a job within the limit keeps its schedule (slots 0, 20, 40, 60 s)',
      );
      const listed = new Map((await harness.scheduler.listJobs()).map((job) => [job.id, job]));
      assert.equal(listed.get('fast')?.throttledToMs, 10_000);
      assert.equal(listed.get('busy-cron')?.throttledToMs, 10_000);
      assert.equal(listed.get('slow')?.throttledToMs, undefined);
    } finally {
      await harness.close();
    }
  });

  test('at reload: a raised minInterval holds a job that fitted the old one, with the warning', async () => {
    const events: SchedulerEvent[] = [];
    const harness = await createHarness(fake, {
      agents: [testAgent('a')],
      scheduler: { onEvent: (event) => events.push(event) },
    });
    try {
      harness.config.scheduler = { minIntervalMs: 1000 };
      await storeJob(harness, 'fast', { kind: 'every', everyMs: 2000 });
      await harness.scheduler.start();
      assert.equal(events.filter((event) => event.type === 'job-throttled').length, 0);
      await walk(harness, 20_000, 500);
      const before = (await harness.scheduler.listRuns({ jobId: 'fast' })).length;
      assert.ok(before >= 9, `every 2s under a 1s limit: ${before} runs in 20 s`);
      await harness.scheduler.applyConfig({ ...harness.config, scheduler: { minIntervalMs: 30_000 } });
      assert.deepEqual(
        events.filter((event) => event.type === 'job-throttled').map((event) => event.job.id),
        ['fast'],
      );
      await walk(harness, 90_000, 1000);
      const afterReload = (await harness.scheduler.listRuns({ jobId: 'fast' })).length - before;
      assert.ok(afterReload <= 4, `90 s under a 30 s limit: ${afterReload} runs`);
      assert.equal((await harness.scheduler.listJobs())[0].throttledToMs, 30_000);
    } finally {
      await harness.close();
    }
  });
});
