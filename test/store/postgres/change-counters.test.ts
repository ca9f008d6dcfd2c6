// SchedulerStore.changes on PostgreSQL: what makes a scheduler reread jobs or active runs. A claim moves
// next slots at every tick of every process: that must not count as a job change, or each process
// rereads every job every second (what kept 3 processes from running 10,000 jobs on time).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StoredJob } from '../../../src/contracts/scheduler-store.ts';
import { openPostgresStores, type PostgresStores } from '../../../src/store/postgres/open-postgres-stores.ts';
import { runRecord } from '../../scheduler/run-record.ts';
import { testJob } from '../../scheduler/scheduler-harness.ts';
import { type PostgresCluster, postgresUnavailable, startPostgresCluster } from './start-postgres-cluster.ts';

const unavailable = postgresUnavailable();

const job = (id: string, nextRunAt: number): StoredJob => ({
  id,
  source: 'store',
  definition: testJob(id, 'agent', { kind: 'every', everyMs: 60_000 }),
  nextRunAt,
  createdAt: 1,
  updatedAt: 1,
});

describe('PostgreSQL scheduler change counters', { skip: unavailable }, () => {
  let cluster: PostgresCluster;
  let stores: PostgresStores;
  before(async () => {
    cluster = await startPostgresCluster();
    stores = await openPostgresStores(await cluster.createDatabase(), { poolMax: 4 });
  });
  after(async () => {
    await stores?.close();
    await cluster?.stop();
  });

  test('jobs move for a job added, redefined, switched or removed; runs for runs added; a claim moves runs once', async () => {
    const scheduler = stores.scheduler;
    const at = async () => scheduler.changes();
    const start = await at();
    await scheduler.batch(
      Array.from({ length: 300 }, (_, index) => ({ op: 'putJob' as const, job: job(`j${index}`, 60_000) })),
    );
    const added = await at();
    assert.equal(added.jobs, start.jobs + 1, 'one bump for 300 jobs in one commit');
    assert.equal(added.runs, start.runs);

    const claims = Array.from({ length: 300 }, (_, index) => ({
      run: runRecord(`r${index}`, 'queued', 60_000, {
        jobId: `j${index}`,
        slotTime: 60_000,
        trigger: 'schedule',
      }),
      nextRunAt: 120_000,
    }));
    assert.equal((await scheduler.claimSlots(claims)).filter(Boolean).length, 300);
    const claimed = await at();
    assert.equal(claimed.jobs, added.jobs, 'next slots moved by a claim are not a job change');
    assert.equal(claimed.runs, added.runs + 1, 'one bump for 300 runs in one commit');
    await scheduler.setNextRun('j1', 180_000);
    assert.equal((await at()).jobs, added.jobs);

    await scheduler.setEnabledOverride('j2', false, 5);
    const disabled = await at();
    assert.equal(disabled.jobs, claimed.jobs + 1, 'a job switched off');
    await scheduler.putJob({
      ...job('j3', 60_000),
      definition: testJob('j3', 'agent', { kind: 'every', everyMs: 120_000 }),
    });
    const redefined = await at();
    assert.equal(redefined.jobs, disabled.jobs + 1, 'a job redefined');
    await scheduler.deleteJob('j4');
    const removed = await at();
    assert.equal(removed.jobs, redefined.jobs + 1, 'a job removed');

    await scheduler.insertRun(runRecord('manual', 'queued', 70_000, { jobId: 'j5', trigger: 'manual' }));
    const manual = await at();
    assert.equal(manual.runs, removed.runs + 1, 'a manual run added');
    assert.equal(manual.jobs, removed.jobs);
    await scheduler.updateRun({
      ...runRecord('manual', 'ok', 70_000, { jobId: 'j5', trigger: 'manual' }),
      finishedAt: 71_000,
    });
    assert.deepEqual(await at(), manual, "a run finishing is nobody else's business");
  });
});
