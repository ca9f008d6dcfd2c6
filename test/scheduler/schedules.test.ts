import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunRecord } from '../../src/contracts/scheduler-store.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { createHarness, type Harness, testAgent, testJob } from './scheduler-harness.ts';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const slots = (runs: RunRecord[]) => runs.map((run) => iso(run.slotTime)).sort();

/** Advances the clock in steps, letting the runs each step starts finish. */
async function walk(harness: Harness, untilIso: string, stepMs: number) {
  const until = Date.parse(untilIso);
  while (harness.clock.now() < until) {
    await harness.clock.advance(Math.min(stepMs, until - harness.clock.now()));
    await harness.settle();
  }
}

describe('schedules fire when they should', () => {
  let fake: FakeModelServer;
  before(async () => {
    fake = await startFakeModelServer({ api: 'openai-completions' });
  });
  after(() => fake.close());

  test('every: slots aligned to the interval, each run once, at its slot', async () => {
    const harness = await createHarness(fake, {
      agents: [testAgent('a')],
      jobs: [testJob('quarter', 'a', { kind: 'every', everyMs: 15 * 60_000 })],
      start: '2026-01-01T00:07:00Z',
    });
    try {
      await harness.scheduler.start();
      await walk(harness, '2026-01-01T01:05:00Z', 60_000);
      const runs = await harness.scheduler.listRuns({ jobId: 'quarter' });
      assert.deepEqual(slots(runs), [
        '2026-01-01T00:15:00.000Z',
        '2026-01-01T00:30:00.000Z',
        '2026-01-01T00:45:00.000Z',
        '2026-01-01T01:00:00.000Z',
      ]);
      for (const run of runs) {
        assert.equal(run.status, 'ok');
        assert.equal(run.trigger, 'schedule');
        assert.equal(run.startedAt, run.slotTime, 'started at its slot time');
        assert.equal(run.output, 'Hello from the fake.');
      }
    } finally {
      await harness.close();
    }
  });

  test('cron with a time zone across the spring DST change: 02:30 Berlin runs once, at 03:00 local on the short day', async () => {
    const harness = await createHarness(fake, {
      agents: [testAgent('a')],
      jobs: [testJob('nightly', 'a', { kind: 'cron', cron: '30 2 * * *', tz: 'Europe/Berlin' })],
      start: '2026-03-27T12:00:00Z',
    });
    try {
      await harness.scheduler.start();
      await walk(harness, '2026-03-31T12:00:00Z', 30 * 60_000);
      assert.deepEqual(slots(await harness.scheduler.listRuns({ jobId: 'nightly' })), [
        '2026-03-28T01:30:00.000Z', // 02:30 CET
        '2026-03-29T01:00:00.000Z', // 02:30 does not exist: 03:00 CEST
        '2026-03-30T00:30:00.000Z', // 02:30 CEST
        '2026-03-31T00:30:00.000Z',
      ]);
    } finally {
      await harness.close();
    }
  });

  test('cron hourly across the autumn DST change: the repeated hour runs twice in UTC, no slot duplicated', async () => {
    const harness = await createHarness(fake, {
      agents: [testAgent('a')],
      jobs: [testJob('hourly', 'a', { kind: 'cron', cron: '0 * * * *', tz: 'Europe/Berlin' })],
      start: '2026-10-24T23:30:00Z',
    });
    try {
      await harness.scheduler.start();
      await walk(harness, '2026-10-25T03:30:00Z', 10 * 60_000);
      assert.deepEqual(slots(await harness.scheduler.listRuns({ jobId: 'hourly' })), [
        '2026-10-25T00:00:00.000Z', // 02:00 CEST
        '2026-10-25T01:00:00.000Z', // 02:00 CET (the repeated hour)
        '2026-10-25T02:00:00.000Z',
        '2026-10-25T03:00:00.000Z',
      ]);
    } finally {
      await harness.close();
    }
  });

  test('at: runs once at its time and never again', async () => {
    const harness = await createHarness(fake, {
      agents: [testAgent('a')],
      jobs: [testJob('once', 'a', { kind: 'at', atMs: Date.parse('2026-01-01T09:00:00Z') })],
      start: '2026-01-01T08:00:00Z',
    });
    try {
      await harness.scheduler.start();
      await walk(harness, '2026-01-01T08:59:00Z', 60_000);
      assert.equal((await harness.scheduler.listRuns()).length, 0, 'nothing before its time');
      await walk(harness, '2026-01-02T12:00:00Z', 60 * 60_000);
      assert.deepEqual(slots(await harness.scheduler.listRuns()), ['2026-01-01T09:00:00.000Z']);
      assert.equal((await harness.scheduler.listJobs())[0].nextRunAt, undefined);
    } finally {
      await harness.close();
    }
  });

  test('a disabled job does not fire; enabling it resumes from the next slot', async () => {
    const harness = await createHarness(fake, {
      agents: [testAgent('a')],
      jobs: [testJob('j', 'a', { kind: 'every', everyMs: 60_000 })],
    });
    try {
      await harness.scheduler.reconcile();
      await harness.scheduler.setEnabled('j', false);
      await harness.scheduler.start();
      await walk(harness, '2026-01-01T00:05:00Z', 60_000);
      assert.equal((await harness.scheduler.listRuns()).length, 0);
      await harness.scheduler.setEnabled('j', true);
      await walk(harness, '2026-01-01T00:06:30Z', 30_000);
      // Slots while disabled are not run; from enabling on, each slot runs once.
      assert.deepEqual(slots(await harness.scheduler.listRuns()), [
        '2026-01-01T00:05:00.000Z',
        '2026-01-01T00:06:00.000Z',
      ]);
    } finally {
      await harness.close();
    }
  });

  test('enabling a job after hours disabled runs no slot that passed while it was disabled', async () => {
    const harness = await createHarness(fake, {
      agents: [testAgent('a')],
      jobs: [testJob('hourly', 'a', { kind: 'every', everyMs: 60 * 60_000 })],
      start: '2026-01-01T00:30:00Z',
    });
    try {
      await harness.scheduler.reconcile();
      await harness.scheduler.setEnabled('hourly', false);
      await harness.scheduler.start();
      await walk(harness, '2026-01-01T06:30:00Z', 30 * 60_000);
      const view = await harness.scheduler.setEnabled('hourly', true);
      assert.equal(iso(view.nextRunAt), '2026-01-01T07:00:00.000Z');
      await walk(harness, '2026-01-01T07:10:00Z', 10 * 60_000);
      assert.deepEqual(slots(await harness.scheduler.listRuns()), ['2026-01-01T07:00:00.000Z']);
    } finally {
      await harness.close();
    }
  });

  test('a config job switched from enabled: false to true runs no slot that passed while it was disabled', async () => {
    const job = testJob('hourly', 'a', { kind: 'every', everyMs: 60 * 60_000 }, { enabled: false });
    const harness = await createHarness(fake, {
      agents: [testAgent('a')],
      jobs: [job],
      start: '2026-01-01T00:30:00Z',
    });
    try {
      await harness.scheduler.start();
      await walk(harness, '2026-01-01T06:30:00Z', 30 * 60_000);
      await harness.scheduler.applyConfig({ ...harness.config, jobs: { hourly: { ...job, enabled: true } } });
      assert.equal(iso((await harness.scheduler.listJobs())[0].nextRunAt), '2026-01-01T07:00:00.000Z');
      await walk(harness, '2026-01-01T07:10:00Z', 10 * 60_000);
      assert.deepEqual(slots(await harness.scheduler.listRuns()), ['2026-01-01T07:00:00.000Z']);
    } finally {
      await harness.close();
    }
  });
});
