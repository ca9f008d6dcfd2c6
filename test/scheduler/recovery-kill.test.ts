import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createTelegramChannel } from '../../src/delivery/channels/telegram-channel.ts';
import { Outbox } from '../../src/delivery/outbox.ts';
import { createRunDeliverySink } from '../../src/delivery/run-delivery-sink.ts';
import { closeSqlite, openInlineStores, openSqlite, pruneHistory } from '../../src/store/index.ts';
import { botToken } from '../delivery/outbox-harness.ts';
import { startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { runRecord } from './run-record.ts';

const script = fileURLToPath(new URL('./fixtures/recovery-child.ts', import.meta.url));

type Line = Record<string, unknown>;

/** A recovery-child process and a way to wait for the JSON line it prints next that matches. */
function startChild(args: string[]): { process: ChildProcess; line(key: string): Promise<Line> } {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Line[] = [];
  const waiting: { key: string; resolve: (line: Line) => void }[] = [];
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) lines.push(JSON.parse(part) as Line);
    for (const waiter of [...waiting]) {
      const found = lines.find((line) => waiter.key in line);
      if (found) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve(found);
      }
    }
  });
  return {
    process: child,
    line: (key) =>
      new Promise((resolve, reject) => {
        const found = lines.find((line) => key in line);
        if (found) return resolve(found);
        waiting.push({ key, resolve });
        child.once('exit', (code, signal) =>
          reject(new Error(`child exited (${code ?? signal}) before "${key}"`)),
        );
      }),
  };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await once(child, 'exit');
}

type RunRow = { id: string; status: string; trigger: string; retry_of: string | null };

function readRuns(dbPath: string): { runs: RunRow[]; integrity: string } {
  const db = openSqlite(dbPath);
  try {
    return {
      runs: db
        .prepare('SELECT id, status, trigger, retry_of FROM runs ORDER BY queued_at, id')
        .all() as RunRow[],
      integrity: String(
        (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check,
      ),
    };
  } finally {
    closeSqlite(db);
  }
}

describe('kill -9 while an interrupted run is given its retry', () => {
  test('at start: a run left running is still retried after a second crash before its retry was written', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'pyramid-recovery-'));
    const dbPath = join(folder, 'pyramid.db');
    const fake = await startFakeModelServer({ api: 'openai-completions' });
    fake.setDefault({ hang: true });
    const children: ChildProcess[] = [];
    try {
      // What a kill -9 mid-run leaves: the run of job0 still `running`.
      const seeded = openInlineStores(dbPath);
      await seeded.scheduler.insertRun(
        runRecord('victim', 'running', Date.now() - 1000, {
          jobId: 'job0',
          agentId: 'worker',
          trigger: 'schedule',
          slotTime: Date.now() - 1000,
        }),
      );
      await seeded.close();

      const first = startChild([dbPath, fake.baseUrl, 'die-before-retry', 'none']);
      children.push(first.process);
      assert.equal((await first.line('frozen')).retryOf, 'victim');
      await kill(first.process);

      const second = startChild([dbPath, fake.baseUrl, 'normal', 'none']);
      children.push(second.process);
      const ready = await second.line('ready');
      await kill(second.process);

      const { runs, integrity } = readRuns(dbPath);
      assert.equal(integrity, 'ok');
      assert.equal(runs.find((run) => run.id === 'victim')?.status, 'interrupted');
      assert.equal(
        runs.filter((run) => run.retry_of === 'victim').length,
        1,
        `the interrupted run has its one retry (the restart recovered ${String(ready.interrupted)} runs)`,
      );
    } finally {
      for (const child of children) await kill(child);
      await fake.close();
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('at a graceful stop: a kill -9 before the retry of the stopped run was written does not lose it', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'pyramid-recovery-'));
    const dbPath = join(folder, 'pyramid.db');
    const fake = await startFakeModelServer({ api: 'openai-completions' });
    fake.setDefault({ hang: true });
    const children: ChildProcess[] = [];
    try {
      const first = startChild([dbPath, fake.baseUrl, 'die-before-retry', 'run-now']);
      children.push(first.process);
      const victim = String((await first.line('queued')).queued);
      // The child commits `running` before it calls the model, which never answers.
      while (readRuns(dbPath).runs.find((run) => run.id === victim)?.status !== 'running') await sleep(10);
      first.process.kill('SIGTERM');
      assert.equal((await first.line('frozen')).retryOf, victim);
      await kill(first.process);

      const second = startChild([dbPath, fake.baseUrl, 'normal', 'none']);
      children.push(second.process);
      await second.line('ready');
      await kill(second.process);

      const { runs, integrity } = readRuns(dbPath);
      assert.equal(integrity, 'ok');
      assert.equal(runs.find((run) => run.id === victim)?.status, 'interrupted');
      assert.equal(
        runs.filter((run) => run.retry_of === victim).length,
        1,
        'the stopped run has its one retry',
      );
    } finally {
      for (const child of children) await kill(child);
      await fake.close();
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('kill -9 between a run commit and its hand-over to the outbox', () => {
  test('pruning the history before the restart keeps the run, and the restart queues its output', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'pyramid-recovery-'));
    const dbPath = join(folder, 'pyramid.db');
    const fake = await startFakeModelServer({ api: 'openai-completions' });
    fake.setDefault({ text: 'the morning brief' });
    const children: ChildProcess[] = [];
    try {
      const first = startChild([dbPath, fake.baseUrl, 'die-in-hand-over', 'run-now']);
      children.push(first.process);
      const runId = String((await first.line('frozen')).runId);
      await kill(first.process);

      const stores = openInlineStores(dbPath);
      const db = stores.db;
      try {
        const store = stores.scheduler;
        assert.equal(
          (await store.getRun(runId))?.deliveryStatus,
          'pending',
          'committed as finished, not yet handed over',
        );
        // `pyramid prune` before the restart, with a retention shorter than the downtime.
        const later = Date.now() + 3_600_000;
        await pruneHistory(stores.pruner, {
          runsBefore: later,
          transcriptsBefore: later,
          deliveriesBefore: later,
        });
        const outbox = new Outbox({
          store: stores.delivery,
          channels: new Map([['tg', createTelegramChannel({ name: 'tg', botToken, apiRoot: fake.origin })]]),
        });
        const sink = createRunDeliverySink({
          outbox,
          store,
          targetsFor: async () => [{ channel: 'tg', to: '1' }],
        });
        assert.equal(await sink.recover(), 1, 'the restart queues the output that never reached the outbox');
        assert.equal((await outbox.list({ runId })).length, 1);
        assert.equal((await store.getRun(runId))?.deliveryStatus, 'pending');
        assert.equal(
          String((db.prepare('PRAGMA integrity_check').get() as Record<string, string>).integrity_check),
          'ok',
        );
      } finally {
        await stores.close();
      }
    } finally {
      for (const child of children) await kill(child);
      await fake.close();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
