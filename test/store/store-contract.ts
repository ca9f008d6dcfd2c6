// The contract every store implementation keeps (SQLite on this thread, SQLite in its worker, and
// PostgreSQL): the same tests, run against each. A new implementation passes this before it is wired in.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeliveryRecord } from '../../src/contracts/delivery.ts';
import type { LedgerRequestRow } from '../../src/contracts/ledger-store.ts';
import type { StoredJob } from '../../src/contracts/scheduler-store.ts';
import type { Stores } from '../../src/contracts/stores.ts';
import { runRecord } from '../scheduler/run-record.ts';
import { testJob } from '../scheduler/scheduler-harness.ts';

const job = (id: string, nextRunAt?: number): StoredJob => ({
  id,
  source: 'store',
  definition: testJob(id, 'agent', { kind: 'every', everyMs: 60_000 }),
  ...(nextRunAt === undefined ? {} : { nextRunAt }),
  createdAt: 1,
  updatedAt: 1,
});

const request = (id: string, startedAt: number, costUsd: number, callerTag?: string): LedgerRequestRow => ({
  requestId: id,
  task: 'classify',
  resolvedTask: 'classify',
  ...(callerTag ? { callerTag } : {}),
  startedAt,
  finishedAt: startedAt + 5,
  outcome: 'ok',
  model: 'm1',
  tier: 1,
  usage: { input: 10, output: 5, reasoning: 0, cachedInput: 0 },
  costUsd,
  cloudOnlyCostUsd: costUsd * 2,
});

const delivery = (id: string, createdAt: number, extra: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
  id,
  kind: 'message',
  channel: 'ops',
  channelType: 'telegram',
  to: '42',
  state: 'pending',
  chunkCount: 2,
  chunksSent: 0,
  attempts: 0,
  failuresInARow: 0,
  nextAttemptAt: createdAt,
  createdAt,
  updatedAt: createdAt,
  ...extra,
});

/** Runs the store contract against `open`, which returns a fresh, empty store each time. */
export function storeContract(name: string, open: () => Promise<Stores>): void {
  const withStores = (title: string, body: (stores: Stores) => Promise<void>) =>
    test(title, async () => {
      const stores = await open();
      try {
        await body(stores);
      } finally {
        await stores.close();
      }
    });

  describe(`store contract: ${name}`, () => {
    withStores(
      'ledger: a request with its attempts reads back in order; sums by window and caller',
      async ({ ledger }) => {
        await ledger.insert(request('r1', 1000, 0.25, 'agent-a'), [
          {
            model: 'm0',
            provider: 'p',
            tier: 0,
            outcome: 'inadequate',
            reason: 'empty answer',
            startedAt: 1000,
            latencyMs: 2,
            maxTokens: 100,
            usage: { input: 10, output: 0, reasoning: 0, cachedInput: 0 },
            costUsd: 0,
            answered: false,
            cloudOnlyCostUsd: 0,
          },
          {
            model: 'm1',
            provider: 'p',
            tier: 1,
            outcome: 'ok',
            startedAt: 1003,
            latencyMs: 2,
            maxTokens: 100,
            usage: { input: 10, output: 5, reasoning: 0, cachedInput: 0 },
            costUsd: 0.25,
            answered: true,
            cloudOnlyCostUsd: 0.5,
          },
        ] as never);
        await ledger.insert(request('r2', 2000, 0.5), []);
        const stored = await ledger.get('r1');
        assert.equal(stored?.request.costUsd, 0.25);
        assert.deepEqual(
          stored?.attempts.map((attempt) => [attempt.model, attempt.answered]),
          [
            ['m0', false],
            ['m1', true],
          ],
        );
        assert.equal(await ledger.sumCost(0), 0.75);
        assert.equal(await ledger.sumCost(1500), 0.5);
        assert.equal(await ledger.sumCost(0, 'agent-a'), 0.25);
        const { totals } = await ledger.aggregate({ sinceMs: 0 }, 'task');
        assert.equal(totals.requests, 2);
        assert.equal(await ledger.get('missing'), undefined);
      },
    );

    withStores('ledger: a request id already stored is refused and changes nothing', async ({ ledger }) => {
      await ledger.insert(request('dup', 1000, 1), []);
      await assert.rejects(ledger.insert(request('dup', 1000, 5), []));
      assert.equal(await ledger.sumCost(0), 1);
    });

    withStores(
      'scheduler: one run per slot, claimed atomically with the next slot',
      async ({ scheduler }) => {
        await scheduler.putJob(job('j', 60_000));
        const slot = { slotTime: 60_000, trigger: 'schedule' as const, jobId: 'j' };
        assert.equal(await scheduler.claimSlot(runRecord('a', 'queued', 60_000, slot), 120_000), true);
        assert.equal(
          await scheduler.claimSlot(runRecord('b', 'queued', 60_001, slot), 120_000),
          false,
          'a second claim of the same slot',
        );
        assert.equal((await scheduler.getJob('j'))?.nextRunAt, 120_000);
        assert.deepEqual(
          (await scheduler.listRuns({ jobId: 'j' })).map((run) => run.id),
          ['a'],
        );
      },
    );

    withStores('scheduler: a batch is one commit, all of it or nothing', async ({ scheduler }) => {
      await scheduler.putJob(job('keep'));
      await scheduler.batch([
        { op: 'putJob', job: job('one') },
        { op: 'insertRun', run: runRecord('r1', 'queued', 1, { jobId: 'one' }) },
      ]);
      assert.deepEqual(
        (await scheduler.listJobs()).map((stored) => stored.id),
        ['keep', 'one'],
      );
      const broken = { ...job('two'), definition: undefined as never };
      await assert.rejects(
        scheduler.batch([
          { op: 'deleteJob', id: 'keep' },
          { op: 'putJob', job: broken },
        ]),
      );
      assert.deepEqual(
        (await scheduler.listJobs()).map((stored) => stored.id),
        ['keep', 'one'],
        'the delete before the failing write was rolled back',
      );
    });

    withStores(
      'scheduler: running runs become interrupted; active and awaiting-delivery lists',
      async ({ scheduler }) => {
        await scheduler.insertRun(runRecord('running', 'running', 1));
        await scheduler.insertRun(runRecord('queued', 'queued', 2));
        await scheduler.insertRun(runRecord('sent', 'ok', 3, { deliveryStatus: 'pending' }));
        assert.deepEqual(
          (await scheduler.activeRuns()).map((run) => run.id),
          ['running', 'queued'],
        );
        const interrupted = await scheduler.interruptRunning(10);
        assert.deepEqual(
          interrupted.map((run) => [run.id, run.status]),
          [['running', 'interrupted']],
        );
        assert.equal((await scheduler.getRun('running'))?.status, 'interrupted');
        assert.deepEqual(
          (await scheduler.runsAwaitingDelivery()).map((run) => run.id),
          ['sent'],
        );
        await scheduler.setDeliveryStatus('sent', 'delivered');
        assert.deepEqual(await scheduler.runsAwaitingDelivery(), []);
        assert.equal(typeof (await scheduler.changeCounter()), 'number');
      },
    );

    withStores('sessions: transcripts in order, notes by agent and key', async ({ sessions }) => {
      await sessions.ensure({
        id: 's1',
        kind: 'isolated',
        agentId: 'a',
        jobId: 'j',
        runId: 'r',
        createdAt: 1,
      });
      await sessions.ensure({
        id: 's1',
        kind: 'isolated',
        agentId: 'a',
        jobId: 'j',
        runId: 'r',
        createdAt: 2,
      });
      await sessions.append('s1', [{ role: 'user', content: 'one' }], 3);
      await sessions.append('s1', [{ role: 'assistant', content: 'two' }], 4);
      assert.deepEqual(
        (await sessions.messages('s1')).map((entry) => entry.message.content),
        ['one', 'two'],
      );
      assert.deepEqual(
        (await sessions.sessionsOfRun('r')).map((session) => session.id),
        ['s1'],
      );
      await sessions.remember('a', 'k', 'v1', 5);
      await sessions.remember('a', 'k', 'v2', 6);
      await sessions.remember('b', 'k', 'other agent', 6);
      assert.deepEqual(
        (await sessions.recall('a')).map((note) => [note.key, note.value]),
        [['k', 'v2']],
      );
      assert.equal(await sessions.get('missing'), undefined);
    });

    withStores(
      'delivery: leases keep a delivery to one worker until they end; chunks and states',
      async ({ delivery: store }) => {
        await store.insert([{ record: delivery('d1', 100), chunks: ['first', 'second'] }]);
        const claimed = await store.claimDue({ now: 100, owner: 'w1', leaseMs: 1000, limit: 10 });
        assert.deepEqual(
          claimed.map((record) => record.id),
          ['d1'],
        );
        assert.deepEqual(await store.claimDue({ now: 200, owner: 'w2', leaseMs: 1000, limit: 10 }), []);
        assert.equal(await store.renewLease('d1', 'w2', 5000), false, "another worker's lease");
        assert.equal(await store.renewLease('d1', 'w1', 5000), true);
        await store.markChunkSent('d1', 0, { now: 300, leaseUntil: 5000, remoteId: 'm-1' });
        assert.deepEqual(
          (await store.chunks('d1')).map((chunk) => [chunk.seq, chunk.remoteId ?? null]),
          [
            [0, 'm-1'],
            [1, null],
          ],
        );
        await store.markFailed('d1', { now: 400, error: 'chat not found', code: 'delivery_rejected' });
        assert.equal((await store.get('d1'))?.state, 'failed');
        assert.equal(await store.requeue('d1', 500), true);
        const requeued = await store.get('d1');
        assert.equal(requeued?.state, 'pending');
        assert.equal(requeued?.chunksSent, 1, 'resumes after the accepted chunk');
        await store.release('d1');
        assert.equal(await store.nextClaimableAt(), 500);
        await store.markDelivered('d1', 600);
        assert.equal((await store.list({ state: 'delivered' })).length, 1);
        assert.equal(await store.nextClaimableAt(), undefined);
      },
    );

    withStores(
      'pruner: counts and removes finished history past the cutoffs, in batches',
      async ({ pruner, ledger }) => {
        await ledger.insert(request('old', 1000, 1), []);
        await ledger.insert(request('new', 9000, 1), []);
        assert.equal((await pruner.count({ ledgerBefore: 5000 })).ledgerRequests, 1);
        let removed = 0;
        for (let done = false; !done; ) {
          const batch = await pruner.pruneBatch({ ledgerBefore: 5000 });
          removed += batch.counts.ledgerRequests;
          done = batch.done;
        }
        assert.equal(removed, 1);
        assert.equal(await ledger.get('old'), undefined);
        assert.ok(await ledger.get('new'));
      },
    );
  });
}
