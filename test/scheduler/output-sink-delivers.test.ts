// A run of a job that delivers nowhere is recorded `none` without offering it to the sink: no store
// reads or writes for the delivery of a run that has none. A job with targets is offered as before.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunRecord } from '../../src/contracts/scheduler-store.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { createHarness, testAgent, testJob } from './scheduler-harness.ts';

let fake: FakeModelServer;
before(async () => {
  fake = await startFakeModelServer({ api: 'openai-completions' });
  fake.setDefault({ text: 'a report' });
});
after(() => fake.close());

test("the sink's delivers() decides: false is deliveryStatus none and no accept; true is pending and accept", async () => {
  const never = { kind: 'at' as const, atMs: Date.parse('2030-01-01T00:00:00Z') };
  const accepted: RunRecord[] = [];
  const harness = await createHarness(fake, {
    agents: [testAgent('a')],
    jobs: [testJob('quiet', 'a', never), testJob('loud', 'a', never)],
    scheduler: {
      outputSink: {
        accept: (run) => void accepted.push(run),
        delivers: (_run, job) => job.id === 'loud',
      },
    },
  });
  try {
    await harness.scheduler.start();
    const quiet = await harness.scheduler.waitForRun((await harness.scheduler.runNow('quiet')).id);
    const loud = await harness.scheduler.waitForRun((await harness.scheduler.runNow('loud')).id);
    assert.equal(quiet.status, 'ok');
    assert.equal(quiet.output, 'a report');
    assert.equal((await harness.store.getRun(quiet.id))?.deliveryStatus, 'none');
    assert.equal((await harness.store.getRun(loud.id))?.deliveryStatus, 'pending');
    assert.deepEqual(
      accepted.map((run) => run.jobId),
      ['loud'],
      'only the run with somewhere to go is offered',
    );
  } finally {
    await harness.close();
  }
});
