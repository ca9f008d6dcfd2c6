// The contract every store implementation keeps (SQLite on this thread, SQLite in its worker, and
// PostgreSQL): the same tests, run against each. A new implementation passes this before it is wired in.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeliveryRecord } from '../../src/contracts/delivery.ts';
import type { LedgerRequestRow } from '../../src/contracts/ledger-store.ts';
import type { RunLease, RunRecord, SchedulerStore, StoredJob } from '../../src/contracts/scheduler-store.ts';
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

/** One claim through claimSlots. */
const claimOne = async (scheduler: SchedulerStore, run: RunRecord, nextRunAt: number | undefined) =>
  (await scheduler.claimSlots([{ run, nextRunAt }]))[0];

/** One start through startRuns. */
const startOne = async (scheduler: SchedulerStore, run: RunRecord, lease: RunLease, maxRunning: number) =>
  (await scheduler.startRuns([run], lease, maxRunning))[0];

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
export function storeContract(
  name: string,
  open: () => Promise<Stores>,
  // SQLite's reports read hourly rollups its triggers keep by adding doubles: within an ulp or so there.
  { exactReports = true }: { exactReports?: boolean } = {},
): void {
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

    withStores(
      "ledger: a request keeps the router's notes, and one without any has none",
      async ({ ledger, dashboard }) => {
        const notes = [
          'skipped m0: breaker open',
          'm1: dropped seed (anthropic-messages cannot express them)',
        ];
        await ledger.insert({ ...request('noted', 1000, 0.1), notes }, []);
        await ledger.insert({ ...request('quiet', 2000, 0.1), notes: [] }, []);
        assert.deepEqual((await ledger.get('noted'))?.request.notes, notes);
        assert.equal((await ledger.get('quiet'))?.request.notes, undefined);
        const listed = await dashboard.listRequests({ sinceMs: 0, limit: 10 });
        assert.deepEqual(listed.find((row) => row.requestId === 'noted')?.notes, notes);
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
        assert.equal(await claimOne(scheduler, runRecord('a', 'queued', 60_000, slot), 120_000), true);
        assert.equal(
          await claimOne(scheduler, runRecord('b', 'queued', 60_001, slot), 120_000),
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

    withStores(
      'scheduler: claimSlots claims as one claim after another: a claimed slot is false, every next slot moves',
      async ({ scheduler }) => {
        for (const id of ['a', 'b', 'c']) await scheduler.putJob(job(id, 60_000));
        const slot = (jobId: string, slotTime = 60_000) => ({
          slotTime,
          trigger: 'schedule' as const,
          jobId,
        });
        assert.equal(
          await claimOne(scheduler, runRecord('b-first', 'queued', 60_000, slot('b')), 90_000),
          true,
        );
        assert.deepEqual(await scheduler.claimSlots([]), []);
        const claimed = await scheduler.claimSlots([
          { run: runRecord('c-1', 'queued', 60_001, slot('c')), nextRunAt: 120_000 },
          { run: runRecord('b-2', 'queued', 60_001, slot('b')), nextRunAt: 120_000 },
          { run: runRecord('a-1', 'queued', 60_001, slot('a')), nextRunAt: 180_000 },
          { run: runRecord('c-again', 'queued', 60_002, slot('c')), nextRunAt: undefined },
        ]);
        assert.deepEqual(claimed, [true, false, true, false], 'b was claimed before, c twice in one call');
        assert.deepEqual(
          Object.fromEntries((await scheduler.listJobs()).map((stored) => [stored.id, stored.nextRunAt])),
          { a: 180_000, b: 120_000, c: undefined },
          'the next slot moves for a claim that lost too; the last claim of a job wins',
        );
        assert.deepEqual((await scheduler.listRuns()).map((run) => run.id).sort(), ['a-1', 'b-first', 'c-1']);
      },
    );

    withStores(
      'scheduler: concurrent claimSlots over the same jobs: each slot exactly once',
      async ({ scheduler }) => {
        const ids = Array.from({ length: 40 }, (_, index) => `job-${String(index).padStart(2, '0')}`);
        for (const id of ids) await scheduler.putJob(job(id, 60_000));
        const claims = (process: number) =>
          (process % 2 === 0 ? ids : [...ids].reverse()).map((jobId) => ({
            run: runRecord(`${jobId}-p${process}`, 'queued', 60_000 + process, {
              slotTime: 60_000,
              trigger: 'schedule' as const,
              jobId,
            }),
            nextRunAt: 120_000,
          }));
        const results = await Promise.all(
          [0, 1, 2, 3].map((process) => scheduler.claimSlots(claims(process))),
        );
        for (const [index, jobId] of ids.entries()) {
          const winners = results.filter(
            (result, process) => result[process % 2 === 0 ? index : ids.length - 1 - index],
          );
          assert.equal(winners.length, 1, `one claim of ${jobId} wins`);
        }
        assert.equal((await scheduler.listRuns()).length, ids.length);
        assert.ok((await scheduler.listJobs()).every((stored) => stored.nextRunAt === 120_000));
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
        const changes = await scheduler.changes();
        assert.equal(typeof changes.jobs, 'number');
        assert.equal(typeof changes.runs, 'number');
      },
    );

    withStores(
      'scheduler: run leases: one process starts a queued run; the lane counts every process; a dead holder is interrupted and retried once',
      async ({ scheduler }) => {
        await scheduler.insertRun(runRecord('r1', 'queued', 1));
        await scheduler.insertRun(runRecord('r2', 'queued', 2));
        const running = (id: string, queuedAt: number) => ({
          ...runRecord(id, 'running', queuedAt),
          startedAt: 10,
          attempt: 1,
        });
        assert.equal(await startOne(scheduler, running('r1', 1), { owner: 'p1', until: 1000 }, 1), 'started');
        assert.equal(
          await startOne(scheduler, running('r1', 1), { owner: 'p2', until: 1000 }, 5),
          'taken',
          'p1 started it first',
        );
        assert.equal(
          await startOne(scheduler, running('r2', 2), { owner: 'p2', until: 1000 }, 1),
          'lane-full',
          "p1's run fills a lane of one",
        );
        assert.equal((await scheduler.getRun('r2'))?.status, 'queued');
        assert.equal(await startOne(scheduler, running('r2', 2), { owner: 'p2', until: 1000 }, 2), 'started');
        assert.deepEqual(await scheduler.renewRunLeases('p1', 5000), ['r1']);
        assert.deepEqual(
          (await scheduler.expiredRuns(2000)).map((run) => run.id),
          ['r2'],
          "p2's lease ended at 1000; p1 renewed to 5000",
        );
        const retry = runRecord('r2-retry', 'queued', 2001, { trigger: 'retry', retryOf: 'r2' });
        const [first, second] = await Promise.all([
          scheduler.interruptExpired('r2', 2000, retry),
          scheduler.interruptExpired('r2', 2000, { ...retry, id: 'r2-retry-again' }),
        ]);
        assert.deepEqual([first, second].sort(), [false, true], 'interrupted once');
        const interrupted = await scheduler.getRun('r2');
        assert.equal(interrupted?.status, 'interrupted');
        assert.equal(interrupted?.finishedAt, 2000);
        assert.ok(
          (await scheduler.getRun('r2-retry')) || (await scheduler.getRun('r2-retry-again')),
          'with its retry',
        );
        assert.equal((await scheduler.listRuns({ status: 'queued' })).length, 1, 'one retry, not two');
        assert.equal(await scheduler.interruptExpired('r1', 2000), false, 'a live lease is left alone');
        assert.deepEqual(await scheduler.renewRunLeases('p2', 9000), [], 'p2 holds nothing now');
        await scheduler.updateRun({ ...running('r1', 1), status: 'ok', finishedAt: 20 });
        assert.deepEqual(await scheduler.renewRunLeases('p1', 9000), [], 'a finished run is not held');
        assert.deepEqual(await scheduler.expiredRuns(99_999), []);
      },
    );

    withStores(
      'scheduler: startRuns starts queued runs in order while the platform lane has room, in one commit',
      async ({ scheduler }) => {
        const running = (id: string, queuedAt: number) => ({
          ...runRecord(id, 'running', queuedAt),
          startedAt: 10,
          attempt: 1,
          sessionId: `session-${id}`,
        });
        for (const [id, at] of [
          ['r0', 1],
          ['q1', 2],
          ['q2', 3],
          ['q3', 4],
          ['q4', 5],
        ] as const)
          await scheduler.insertRun(runRecord(id, 'queued', at));
        await scheduler.insertRun(runRecord('done', 'ok', 6));
        assert.deepEqual(await scheduler.startRuns([], { owner: 'p1', until: 1000 }, 3), []);
        assert.equal(await startOne(scheduler, running('r0', 1), { owner: 'p0', until: 1000 }, 3), 'started');
        assert.deepEqual(
          await scheduler.startRuns(
            [
              running('q1', 2),
              running('done', 6),
              running('q2', 3),
              running('q2', 3),
              running('q3', 4),
              running('missing', 7),
              running('q4', 5),
            ],
            { owner: 'p1', until: 2000 },
            3,
          ),
          ['started', 'taken', 'started', 'taken', 'lane-full', 'taken', 'lane-full'],
          "p0's run and two of p1's fill a lane of three; a run twice in one call starts once",
        );
        const q1 = await scheduler.getRun('q1');
        assert.equal(q1?.status, 'running');
        assert.equal(q1?.sessionId, 'session-q1', 'the run is written as given');
        assert.equal(q1?.attempt, 1);
        assert.equal(
          (await scheduler.getRun('q3'))?.status,
          'queued',
          'a run refused for a full lane is left queued',
        );
        assert.equal((await scheduler.getRun('done'))?.status, 'ok', 'a finished run is not started again');
        assert.deepEqual(
          (await scheduler.renewRunLeases('p1', 5000)).sort(),
          ['q1', 'q2'],
          "under p1's lease",
        );
        assert.deepEqual(
          (await scheduler.expiredRuns(1500)).map((run) => run.id),
          ['r0'],
          "the lease given to the started runs: p0's ended at 1000, p1's were renewed",
        );
      },
    );

    withStores(
      'scheduler: queuedRuns lists at most limit queued runs, oldest first',
      async ({ scheduler }) => {
        await scheduler.insertRun(runRecord('late', 'queued', 30));
        await scheduler.insertRun(runRecord('early', 'queued', 10));
        await scheduler.insertRun(runRecord('running', 'running', 5));
        await scheduler.insertRun(runRecord('done', 'ok', 1));
        await scheduler.insertRun(runRecord('middle', 'queued', 20));
        assert.deepEqual(
          (await scheduler.queuedRuns(2)).map((run) => run.id),
          ['early', 'middle'],
        );
        assert.deepEqual(
          (await scheduler.queuedRuns(10)).map((run) => run.id),
          ['early', 'middle', 'late'],
        );
        assert.deepEqual(await scheduler.queuedRuns(0), []);
      },
    );

    withStores(
      'scheduler: concurrent startRuns of the same runs: each starts once, and the lane holds for all callers',
      async ({ scheduler }) => {
        const ids = Array.from({ length: 10 }, (_, index) => `r${index}`);
        for (const [index, id] of ids.entries())
          await scheduler.insertRun(runRecord(id, 'queued', index + 1));
        const batch = (order: string[]) =>
          order.map((id) => ({
            ...runRecord(id, 'running', ids.indexOf(id) + 1),
            startedAt: 10,
            attempt: 1,
          }));
        const outcomes = await Promise.all([
          scheduler.startRuns(batch(ids), { owner: 'p1', until: 1000 }, 6),
          scheduler.startRuns(batch([...ids].reverse()), { owner: 'p2', until: 1000 }, 6),
          scheduler.startRuns(batch(ids.slice(3)), { owner: 'p3', until: 1000 }, 6),
        ]);
        const started = outcomes.flat().filter((outcome) => outcome === 'started').length;
        assert.equal(started, 6, 'six started over the three callers');
        assert.equal((await scheduler.listRuns({ status: 'running' })).length, 6);
        assert.equal((await scheduler.listRuns({ status: 'queued' })).length, 4);
      },
    );

    withStores(
      "scheduler: startRuns refuses a stale copy of a run that another process ran and queued again for its retry's backoff",
      async ({ scheduler }) => {
        // Both processes queued r1 (one claimed it, the other read it from activeRuns); p2 started it first.
        await scheduler.insertRun(runRecord('r1', 'queued', 1, { attempt: 0 }));
        const stale = { ...runRecord('r1', 'running', 1), startedAt: 10, attempt: 1 };
        assert.equal(await startOne(scheduler, { ...stale }, { owner: 'p2', until: 1000 }, 5), 'started');
        // p2's attempt failed: the run is queued again, not before its backoff ends.
        const retrying = { ...stale, status: 'queued' as const, finishedAt: 20, notBefore: 5020 };
        assert.equal(await scheduler.finishRun(retrying, 'p2'), true);
        // p1 gets to its copy, still as it was first queued: it must not start the retry early.
        assert.equal(
          await startOne(scheduler, { ...stale, startedAt: 30 }, { owner: 'p1', until: 1000 }, 5),
          'taken',
          "p1's copy is of an attempt p2 already ran",
        );
        const stored = await scheduler.getRun('r1');
        assert.equal(stored?.status, 'queued');
        assert.equal(stored?.notBefore, 5020, 'the backoff stands');
        assert.equal(stored?.attempt, 1);
        // The copy as the store keeps it (p2's, or p1's read again from activeRuns) starts at its time.
        assert.equal(
          await startOne(
            scheduler,
            { ...retrying, status: 'running', startedAt: 5020, attempt: 2 },
            { owner: 'p1', until: 9000 },
            5,
          ),
          'started',
        );
        assert.equal((await scheduler.getRun('r1'))?.attempt, 2);
      },
    );

    withStores(
      "scheduler: a leased run's finish is written only while its owner holds it: a late finisher never overwrites interrupted",
      async ({ scheduler }) => {
        const running = (id: string, queuedAt: number) => ({
          ...runRecord(id, 'running', queuedAt),
          startedAt: 10,
          attempt: 1,
        });
        const finished = (id: string, queuedAt: number) => ({
          ...running(id, queuedAt),
          status: 'ok' as const,
          finishedAt: 3000,
          output: 'late answer',
        });
        for (const [id, at] of [
          ['r1', 1],
          ['r2', 2],
          ['r3', 3],
        ] as const) {
          await scheduler.insertRun(runRecord(id, 'queued', at));
          assert.equal(
            await startOne(scheduler, running(id, at), { owner: 'p1', until: 1000 }, 5),
            'started',
          );
        }
        // p1's lease on r1 ended and another process interrupted it (with its retry) before p1 finished.
        const retry = runRecord('r1-retry', 'queued', 2001, { trigger: 'retry', retryOf: 'r1' });
        assert.equal(await scheduler.interruptExpired('r1', 2000, retry), true);
        const again = runRecord('r1-retry-2', 'queued', 3001, { trigger: 'retry', retryOf: 'r1' });
        assert.equal(
          await scheduler.finishRun(finished('r1', 1), 'p1', again),
          false,
          'p1 no longer holds r1',
        );
        const r1 = await scheduler.getRun('r1');
        assert.equal(r1?.status, 'interrupted', 'the late result does not overwrite interrupted');
        assert.equal(r1?.output, undefined);
        assert.equal(
          await scheduler.getRun('r1-retry-2'),
          undefined,
          'nothing of a refused finish is written',
        );
        // Another owner cannot finish p1's run; p1 can, even past its lease while nobody interrupted it.
        assert.equal(await scheduler.finishRun(finished('r2', 2), 'p2'), false);
        assert.equal((await scheduler.getRun('r2'))?.status, 'running');
        assert.equal(await scheduler.finishRun(finished('r2', 2), 'p1'), true);
        assert.equal((await scheduler.getRun('r2'))?.output, 'late answer');
        assert.equal(await scheduler.finishRun(finished('r2', 2), 'p1'), false, 'finished once');
        // A finish may queue the run again (a retry after an error) or come with a retry run, in one commit.
        const retryOfR3 = runRecord('r3-retry', 'queued', 3002, { trigger: 'retry', retryOf: 'r3' });
        assert.equal(
          await scheduler.finishRun(
            { ...running('r3', 3), status: 'interrupted', finishedAt: 3000 },
            'p1',
            retryOfR3,
          ),
          true,
        );
        assert.equal((await scheduler.getRun('r3-retry'))?.status, 'queued');
        assert.deepEqual(await scheduler.renewRunLeases('p1', 9000), [], 'p1 holds nothing now');
        assert.deepEqual(await scheduler.expiredRuns(99_999), []);
      },
    );

    withStores(
      'scheduler: the first start is recorded once, with its slot moves in the same commit; later starts change nothing',
      async ({ scheduler }) => {
        await scheduler.putJob(job('j1', 1000));
        const [first, second] = await Promise.all([
          scheduler.recordFirstStart(10_000, [{ op: 'setNextRun', id: 'j1', nextRunAt: 60_000 }]),
          scheduler.recordFirstStart(10_000, [{ op: 'setNextRun', id: 'j1', nextRunAt: 120_000 }]),
        ]);
        assert.deepEqual([first, second].sort(), [false, true], 'one first start');
        const moved = (await scheduler.getJob('j1'))?.nextRunAt;
        assert.ok(moved === 60_000 || moved === 120_000, `the winner's move only: ${moved}`);
        assert.equal(
          await scheduler.recordFirstStart(99_000, [{ op: 'setNextRun', id: 'j1', nextRunAt: 180_000 }]),
          false,
        );
        assert.equal((await scheduler.getJob('j1'))?.nextRunAt, moved, 'a later start moves nothing');
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
      'ledger: money sums are exact for decimal prices (ten of $0.10 make $1)',
      async ({ ledger }) => {
        for (let index = 0; index < 10; index++)
          await ledger.insert(request(`r${index}`, 1000 + index, 0.1), []);
        assert.equal(await ledger.sumCost(0), 1);
        const { totals } = await ledger.aggregate({ sinceMs: 0 }, 'day');
        if (exactReports) {
          assert.equal(totals.costUsd, 1);
          assert.equal(totals.cloudOnlyCostUsd, 2);
        } else {
          assert.ok(Math.abs(totals.costUsd - 1) <= 4 * Number.EPSILON, String(totals.costUsd));
          assert.ok(
            Math.abs(totals.cloudOnlyCostUsd - 2) <= 8 * Number.EPSILON,
            String(totals.cloudOnlyCostUsd),
          );
        }
      },
    );

    withStores('ledger: numbers read back exactly as written', async ({ ledger }) => {
      const odd = {
        ...request('exact', 1_700_000_000_123, 1.2345678901234566e-7),
        finishedAt: 1_700_000_000_999,
      };
      await ledger.insert(odd, [
        {
          model: 'm1',
          provider: 'p',
          tier: 1,
          outcome: 'ok',
          startedAt: 1_700_000_000_124,
          latencyMs: 12.345678901234567,
          ttftMs: 0.1,
          usage: { input: 2_000_000_000, output: 5, reasoning: 3, cachedInput: 1 },
          costUsd: 1.2345678901234566e-7,
          answered: true,
          cloudOnlyCostUsd: 0.3,
        },
      ] as never);
      const stored = await ledger.get('exact');
      assert.deepEqual(stored?.request, odd);
      assert.equal(stored?.attempts[0].latencyMs, 12.345678901234567);
      assert.equal(stored?.attempts[0].ttftMs, 0.1);
      assert.equal(stored?.attempts[0].maxTokens, undefined);
      assert.equal(stored?.attempts[0].usage.input, 2_000_000_000);
    });

    withStores(
      'ledger: groups by model, tier, task, agent and UTC day agree with the totals',
      async ({ ledger }) => {
        const attempt = (model: string, tier: number, answered: boolean, costUsd: number) => ({
          model,
          provider: 'p',
          tier,
          outcome: answered ? 'ok' : 'error',
          startedAt: 0,
          latencyMs: 1,
          usage: { input: 10, output: answered ? 5 : 0, reasoning: 0, cachedInput: 0 },
          costUsd,
          answered,
          cloudOnlyCostUsd: costUsd * 2,
        });
        const day = 86_400_000;
        await ledger.insert({ ...request('a', day - 1, 0.5, 'alpha'), resolvedTask: 'code' }, [
          attempt('m0', 0, false, 0),
          attempt('m1', 1, true, 0.5),
        ] as never);
        await ledger.insert(request('b', day, 0.25, 'alpha'), [attempt('m1', 1, true, 0.25)] as never);
        await ledger.insert(request('c', day + 10, 1), [attempt('m2', 2, true, 1)] as never);
        await ledger.insert(request('outside', 3 * day, 9), [attempt('m2', 2, true, 9)] as never);
        const window = { sinceMs: 0, untilMs: 2 * day };
        const byKey = async (by: 'model' | 'tier' | 'task' | 'agent' | 'day') => {
          const { groups, totals } = await ledger.aggregate(window, by);
          return {
            groups: Object.fromEntries(
              groups.map((group) => [String(group.key), [group.requests, group.attempts, group.costUsd]]),
            ),
            totals: [totals.requests, totals.attempts, totals.costUsd, totals.input, totals.output],
          };
        };
        const totals = [3, 4, 1.75, 30, 15];
        assert.deepEqual(await byKey('model'), {
          groups: { m0: [0, 1, 0], m1: [2, 2, 0.75], m2: [1, 1, 1] },
          totals,
        });
        assert.deepEqual(await byKey('tier'), {
          groups: { 0: [0, 1, 0], 1: [2, 2, 0.75], 2: [1, 1, 1] },
          totals,
        });
        assert.deepEqual(await byKey('task'), {
          groups: { code: [1, 2, 0.5], classify: [2, 2, 1.25] },
          totals,
        });
        assert.deepEqual(await byKey('agent'), { groups: { alpha: [2, 3, 0.75], null: [1, 1, 1] }, totals });
        assert.deepEqual(await byKey('day'), {
          groups: { '1970-01-01': [1, 2, 0.5], '1970-01-02': [2, 2, 1.25] },
          totals,
        });
        const empty = await ledger.aggregate({ sinceMs: 10 * day }, 'model');
        assert.deepEqual(empty.groups, []);
        assert.equal(empty.totals.requests, 0);
        assert.equal(empty.totals.costUsd, 0);
      },
    );

    withStores('scheduler: concurrent claims of one slot: exactly one wins', async ({ scheduler }) => {
      await scheduler.putJob(job('j', 60_000));
      const slot = { slotTime: 60_000, trigger: 'schedule' as const, jobId: 'j' };
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          claimOne(scheduler, runRecord(`claim-${index}`, 'queued', 60_000 + index, slot), 120_000),
        ),
      );
      assert.equal(claims.filter(Boolean).length, 1);
      assert.equal((await scheduler.listRuns({ jobId: 'j' })).length, 1);
    });

    withStores(
      'scheduler: jobs and runs read back as written; runs listed newest first, filtered',
      async ({ scheduler }) => {
        const stored: StoredJob = { ...job('b-job', 5000), enabledOverride: false, source: 'config' };
        await scheduler.putJob(stored);
        await scheduler.putJob(job('a-job'));
        assert.deepEqual(await scheduler.getJob('b-job'), stored);
        assert.deepEqual(
          (await scheduler.listJobs()).map((entry) => entry.id),
          ['a-job', 'b-job'],
        );
        assert.equal(await scheduler.setEnabledOverride('b-job', undefined, 7), true);
        assert.equal((await scheduler.getJob('b-job'))?.enabledOverride, undefined);
        assert.equal(await scheduler.setEnabledOverride('missing', true, 7), false);
        assert.equal(await scheduler.deleteJob('a-job'), true);
        assert.equal(await scheduler.deleteJob('a-job'), false);
        const full = runRecord('full', 'ok', 10, {
          slotTime: 9,
          trigger: 'schedule',
          startedAt: 11,
          finishedAt: 12,
          sessionId: 's',
          output: 'text',
          noReply: true,
          error: 'e',
          tiers: [0, 2],
          models: ['a', 'b'],
          escalations: [{ fromTier: 0, reason: 'empty' }],
          costUsd: 0.1 + 0.2,
          usage: { input: 3, output: 4 },
          deliveryStatus: 'delivered',
          retryOf: 'older',
          notBefore: 13,
        });
        await scheduler.insertRun(full);
        await scheduler.insertRun(runRecord('second', 'error', 20));
        await scheduler.insertRun(runRecord('third', 'ok', 30, { jobId: 'other' }));
        assert.deepEqual(await scheduler.getRun('full'), full);
        assert.deepEqual(
          (await scheduler.listRuns()).map((run) => run.id),
          ['third', 'second', 'full'],
        );
        assert.deepEqual(
          (await scheduler.listRuns({ jobId: 'job', limit: 1 })).map((run) => run.id),
          ['second'],
        );
        assert.deepEqual(
          (await scheduler.listRuns({ status: 'ok' })).map((run) => run.id),
          ['third', 'full'],
        );
        await scheduler.updateRun({ ...full, status: 'error', output: undefined, costUsd: 2 });
        const updated = await scheduler.getRun('full');
        assert.equal(updated?.status, 'error');
        assert.equal(updated?.output, undefined);
        assert.equal(updated?.costUsd, 2);
        assert.equal(await scheduler.getRun('missing'), undefined);
      },
    );

    withStores(
      'sessions: concurrent appends to one session keep every message, numbered in order',
      async ({ sessions }) => {
        await sessions.ensure({ id: 'main', kind: 'main', agentId: 'a', createdAt: 1 });
        await Promise.all(
          Array.from({ length: 10 }, (_, index) =>
            sessions.append(
              'main',
              [
                { role: 'user', content: `q${index}` },
                { role: 'assistant', content: `a${index}` },
              ],
              index,
            ),
          ),
        );
        const stored = await sessions.messages('main');
        assert.deepEqual(
          stored.map((entry) => entry.seq),
          Array.from({ length: 20 }, (_, index) => index),
        );
        for (let index = 0; index < 20; index += 2) {
          assert.equal(stored[index].message.content.slice(1), stored[index + 1].message.content.slice(1));
        }
        assert.ok(stored.every((entry) => entry.tokens > 0));
        await sessions.remember('a', 'b-key', '2', 1);
        await sessions.remember('a', 'a-key', '1', 1);
        assert.deepEqual(
          (await sessions.recall('a')).map((note) => note.key),
          ['a-key', 'b-key'],
        );
        assert.deepEqual(
          (await sessions.recall('a', 'b-key')).map((note) => note.value),
          ['2'],
        );
      },
    );

    withStores(
      'delivery: a target gets its messages in order; a later one waits while another worker holds an older one',
      async ({ delivery: store }) => {
        await store.insert([
          { record: delivery('old', 100), chunks: ['1', '2'] },
          { record: delivery('new', 200), chunks: ['1', '2'] },
          { record: delivery('elsewhere', 300, { to: '43' }), chunks: ['1', '2'] },
        ]);
        const first = await store.claimDue({ now: 1000, owner: 'w1', leaseMs: 5000, limit: 1 });
        assert.deepEqual(
          first.map((record) => record.id),
          ['old'],
        );
        const second = await store.claimDue({ now: 1000, owner: 'w2', leaseMs: 5000, limit: 10 });
        assert.deepEqual(
          second.map((record) => record.id),
          ['elsewhere'],
          'new waits behind old, which w1 holds',
        );
        assert.equal(await store.nextClaimableAt(), 6000);
        await store.markRetry('old', {
          now: 1100,
          nextAttemptAt: 9000,
          error: 'slow',
          code: 'delivery_timeout',
        });
        const retried = await store.get('old');
        assert.equal(retried?.attempts, 1);
        assert.equal(retried?.failuresInARow, 1);
        assert.equal(retried?.lastErrorCode, 'delivery_timeout');
        const third = await store.claimDue({ now: 1200, owner: 'w2', leaseMs: 5000, limit: 10 });
        assert.deepEqual(
          third.map((record) => record.id),
          ['new'],
        );
        await store.markChunkSent('new', 0, { now: 1300, leaseUntil: 7000, note: 'plain text' });
        await store.markChunkSent('new', 1, { now: 1400, leaseUntil: 7000, note: 'again' });
        const progressed = await store.get('new');
        assert.equal(progressed?.chunksSent, 2);
        assert.equal(progressed?.note, 'plain text; again');
        await store.markDelivered('new', 1500);
        const done = await store.get('new');
        assert.equal(done?.state, 'delivered');
        assert.equal(done?.deliveredAt, 1500);
        assert.equal(await store.renewLease('new', 'w2', 9000), false, 'a delivered delivery has no lease');
        assert.equal(await store.requeue('new', 1600), false, 'only failed deliveries are requeued');
        assert.deepEqual(
          (await store.list({ limit: 2 })).map((record) => record.id),
          ['elsewhere', 'new'],
        );
        assert.deepEqual(
          (await store.list({ state: 'pending' })).map((record) => record.id),
          ['elsewhere', 'old'],
        );
      },
    );

    withStores(
      'delivery: concurrent claims by two workers never share a delivery',
      async ({ delivery: store }) => {
        await store.insert(
          Array.from({ length: 30 }, (_, index) => ({
            record: delivery(`d${index}`, index, { to: `chat-${index}` }),
            chunks: ['x'],
          })),
        );
        const claims = await Promise.all(
          Array.from({ length: 6 }, (_, index) =>
            store.claimDue({ now: 1000, owner: `w${index % 2}`, leaseMs: 5000, limit: 7 }),
          ),
        );
        const ids = claims.flat().map((record) => record.id);
        assert.equal(new Set(ids).size, ids.length, 'no delivery claimed twice');
        assert.equal(ids.length, 30);
      },
    );

    withStores(
      'pruner: sessions go with their messages; what is still in play stays',
      async ({ pruner, sessions, scheduler, delivery: store }) => {
        await sessions.ensure({ id: 'old', kind: 'isolated', agentId: 'a', runId: 'done', createdAt: 1 });
        await sessions.append(
          'old',
          [
            { role: 'user', content: 'x' },
            { role: 'user', content: 'y' },
          ],
          1,
        );
        await sessions.ensure({ id: 'busy', kind: 'isolated', agentId: 'a', runId: 'busy', createdAt: 1 });
        await sessions.ensure({ id: 'main', kind: 'main', agentId: 'a', createdAt: 1 });
        await scheduler.insertRun(runRecord('busy', 'running', 1, { sessionId: 'busy' }));
        await scheduler.insertRun(runRecord('done', 'ok', 1, { finishedAt: 2, sessionId: 'old' }));
        await scheduler.insertRun(
          runRecord('undelivered', 'ok', 1, { finishedAt: 2, deliveryStatus: 'pending' }),
        );
        await store.insert([
          { record: delivery('pending', 1), chunks: ['x'] },
          { record: delivery('sent', 1, { state: 'delivered' }), chunks: ['x'] },
        ]);
        const cutoffs = { transcriptsBefore: 100, runsBefore: 100, deliveriesBefore: 100 };
        assert.deepEqual(await pruner.count(cutoffs), {
          sessions: 1,
          sessionMessages: 2,
          runs: 1,
          deliveries: 1,
          ledgerRequests: 0,
          responses: 0,
          spendRows: 0,
        });
        const total = {
          sessions: 0,
          sessionMessages: 0,
          runs: 0,
          deliveries: 0,
          ledgerRequests: 0,
          responses: 0,
          spendRows: 0,
        };
        for (let done = false; !done; ) {
          const batch = await pruner.pruneBatch(cutoffs);
          for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += batch.counts[key];
          done = batch.done;
        }
        assert.deepEqual(total, {
          sessions: 1,
          sessionMessages: 2,
          runs: 1,
          deliveries: 1,
          ledgerRequests: 0,
          responses: 0,
          spendRows: 0,
        });
        assert.equal(await sessions.get('old'), undefined);
        assert.deepEqual(await sessions.messages('old'), []);
        assert.ok(await sessions.get('busy'));
        assert.ok(await sessions.get('main'));
        assert.ok(await scheduler.getRun('undelivered'));
        assert.ok(await store.get('pending'));
        assert.equal(await store.get('sent'), undefined);
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

    withStores(
      'pruner: stored responses past responsesBefore go, in batches; newer ones and other kinds stay',
      async ({ pruner, responses, ledger }) => {
        for (let index = 0; index < 150; index++)
          await responses.put({
            id: `old_${index}`,
            createdAt: 1000 + index,
            conversation: [],
            response: {},
          });
        await responses.put({ id: 'new', createdAt: 9000, conversation: [], response: {} });
        await ledger.insert(request('kept', 1000, 1), []);
        const cutoffs = { responsesBefore: 5000 };
        assert.equal((await pruner.count(cutoffs)).responses, 150);
        let removed = 0;
        let batches = 0;
        for (let done = false; !done; batches++) {
          const batch = await pruner.pruneBatch(cutoffs);
          removed += batch.counts.responses;
          done = batch.done;
        }
        assert.equal(removed, 150);
        assert.ok(batches >= 2, 'a backlog goes in more than one short transaction');
        assert.equal(await responses.get('old_0'), undefined);
        assert.equal(await responses.get('old_149'), undefined);
        assert.ok(await responses.get('new'));
        assert.ok(await ledger.get('kept'), 'no ledger cutoff: the ledger is untouched');
      },
    );

    withStores(
      'responses: read back as stored, an id stored once, deleted and pruned',
      async ({ responses }) => {
        const stored = {
          id: 'resp_1',
          createdAt: 1000,
          callerTag: 'agent-a',
          conversation: [{ role: 'user' as const, content: 'hi' }],
          response: { id: 'resp_1', object: 'response', output: [{ type: 'message', n: 0.1 }] },
        };
        await responses.put(stored as never);
        await responses.put({ id: 'resp_2', createdAt: 5000, conversation: [], response: {} });
        assert.deepEqual(await responses.get('resp_1'), stored);
        assert.deepEqual(await responses.get('resp_2'), {
          id: 'resp_2',
          createdAt: 5000,
          conversation: [],
          response: {},
        });
        await assert.rejects(responses.put({ ...stored, createdAt: 2000 } as never));
        assert.equal((await responses.get('resp_1'))?.createdAt, 1000);
        assert.equal(await responses.get('missing'), undefined);
        assert.equal(await responses.prune(3000), 1);
        assert.equal(await responses.get('resp_1'), undefined);
        assert.equal(await responses.delete('resp_2'), true);
        assert.equal(await responses.delete('resp_2'), false);
      },
    );

    withStores(
      'processes: registered, beaten, listed while alive, stale ones removed, deregistered',
      async ({ processes }) => {
        const record = (id: string, startedAt: number) => ({
          id,
          host: 'box',
          pid: 100 + startedAt,
          version: '0.1.0',
          startedAt,
          address: null,
          heartbeatAt: startedAt,
        });
        await processes.register(record('b', 2000));
        await processes.register(record('a', 1000));
        assert.deepEqual(
          (await processes.list(0)).map((process) => process.id),
          ['a', 'b'],
        );
        assert.equal(await processes.heartbeat('a', 5000, 'http://127.0.0.1:1'), true);
        assert.equal(await processes.heartbeat('b', 3000), true);
        assert.equal(await processes.heartbeat('gone', 5000), false);
        assert.deepEqual(await processes.list(4000), [
          { ...record('a', 1000), address: 'http://127.0.0.1:1', heartbeatAt: 5000 },
        ]);
        // A heartbeat without an address keeps the one recorded.
        await processes.heartbeat('a', 6000);
        assert.equal((await processes.list(0))[0].address, 'http://127.0.0.1:1');
        // Registering again replaces the row (a process whose row was removed as stale).
        await processes.register({ ...record('b', 2000), heartbeatAt: 7000, version: '0.2.0' });
        assert.equal((await processes.list(7000))[0].version, '0.2.0');
        assert.equal(await processes.removeStale(6500), 1);
        assert.deepEqual(
          (await processes.list(0)).map((process) => process.id),
          ['b'],
        );
        await processes.deregister('b');
        await processes.deregister('b');
        assert.deepEqual(await processes.list(0), []);
      },
    );

    withStores(
      'ledger: routing decisions and baselines: stored, decisions not counted as attempts, baselines summed',
      async ({ ledger, dashboard }) => {
        const call = (outcome: string, answered: boolean, extra: object = {}) => ({
          model: 'm1',
          provider: 'p',
          tier: 1,
          outcome,
          startedAt: 1000,
          latencyMs: 1,
          usage: { input: 1, output: 1, reasoning: 0, cachedInput: 0 },
          costUsd: answered ? 0.25 : 0,
          answered,
          cloudOnlyCostUsd: 0,
          ...extra,
        });
        await ledger.insert(
          {
            ...request('climbed', 1000, 0.25),
            startTier: 0,
            topTierCostUsd: 2,
            cheapestCloudCostUsd: 0.5,
            climbedFromTier: 0,
            climbPlannedCostUsd: 0.125,
          },
          [
            call('waited', false, { reason: 'rate limited' }),
            call('error', false, { reason: 'http 500' }),
            call('not_climbed', false),
            call('ok', true, { topTierCostUsd: 2, cheapestCloudCostUsd: 0.5 }),
          ] as never,
        );
        await ledger.insert(request('before-baselines', 2000, 1), [call('ok', true)] as never);
        const stored = await ledger.get('climbed');
        assert.deepEqual(
          stored?.attempts.map((attempt) => attempt.outcome),
          ['waited', 'error', 'not_climbed', 'ok'],
        );
        assert.equal(stored?.request.climbedFromTier, 0);
        assert.equal(stored?.attempts[3].topTierCostUsd, 2);
        assert.equal((await ledger.get('before-baselines'))?.request.topTierCostUsd, undefined);
        const byModel = await ledger.aggregate({ sinceMs: 0 }, 'model');
        assert.equal(byModel.groups[0].attempts, 3, 'two calls of the first request, one of the second');
        assert.equal(byModel.groups[0].climbedRequests, 1);
        assert.equal(byModel.groups[0].climbedPlannedCostUsd, 0.125);
        const { totals } = await ledger.aggregate({ sinceMs: 0 }, 'task');
        assert.equal(totals.attempts, 3);
        assert.equal(totals.baselineCount, 1);
        assert.equal(totals.baselineActualCostUsd, 0.25);
        assert.equal(totals.topTierCostUsd, 2);
        assert.equal(totals.cheapestCloudCostUsd, 0.5);
        assert.equal(totals.climbedRequests, 1);
        assert.equal(totals.climbedCostUsd, 0.25);
        assert.deepEqual(await dashboard.attemptReasons({ sinceMs: 0 }), {
          escalations: {},
          failovers: { 'http 500': 1 },
        });
        assert.deepEqual(await dashboard.requestsPerMinute({ sinceMs: 0 }), [
          { minute: 0, requests: 2, errors: 0 },
        ]);
      },
    );
  });
}
