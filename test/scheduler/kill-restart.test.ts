import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { closeSqlite, openSqlite } from '../../src/store/index.ts';
import { waitFor } from '../delivery/wait-for.ts';
import { startFakeModelServer } from '../fakes/start-fake-model-server.ts';

const child = fileURLToPath(new URL('./fixtures/scheduler-child.ts', import.meta.url));

function startChild(
  dbPath: string,
  baseUrl: string,
): Promise<{ process: ChildProcess; interrupted: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, dbPath, baseUrl, '1', '1000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    proc.stdout
      ?.setEncoding('utf8')
      .once('data', (line: string) => resolve({ process: proc, interrupted: JSON.parse(line).interrupted }));
    proc.on('error', reject);
  });
}

type Row = { id: string; status: string; trigger: string; slot_time: number | null; retry_of: string | null };

test('kill -9 mid-run, restart: the running run becomes interrupted and is retried once; no slot lost or duplicated', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'pyramid-kill-'));
  const dbPath = join(folder, 'pyramid.db');
  const fake = await startFakeModelServer({ api: 'openai-completions' });
  fake.setDefault({ delayMs: 600 });
  const db = openSqlite(dbPath);
  const rows = () =>
    db
      .prepare('SELECT id, status, trigger, slot_time, retry_of FROM runs ORDER BY queued_at, id')
      .all() as Row[];
  try {
    const first = await startChild(dbPath, fake.baseUrl);
    assert.equal(first.interrupted, 0);
    // Let a few slots run, then kill while one is running.
    for (;;) {
      const all = rows();
      if (all.filter((row) => row.status === 'ok').length >= 3 && all.some((row) => row.status === 'running'))
        break;
      await sleep(20);
    }
    first.process.kill('SIGKILL');
    await new Promise((resolve) => first.process.once('exit', resolve));
    const killedAt = Date.now();
    const victim = rows().find((row) => row.status === 'running');
    assert.ok(victim, 'a run was running when the process died');
    await sleep(1500); // down for more than one slot

    const second = await startChild(dbPath, fake.baseUrl);
    assert.equal(second.interrupted, 1);
    const before = rows().length;
    await waitFor(
      () => rows().filter((row) => row.status === 'ok').length >= before,
      30_000,
      'the runs there were at the restart to finish',
    );
    // Three slots after the restart have run: however long that takes on this machine.
    await waitFor(
      () =>
        rows().filter((row) => row.status === 'ok' && row.slot_time !== null && row.slot_time > killedAt)
          .length >= 3,
      30_000,
      'three slots after the restart to run',
    );
    second.process.kill('SIGTERM');
    await new Promise((resolve) => second.process.once('exit', resolve));

    const all = rows();
    assert.equal(all.find((row) => row.id === victim.id)?.status, 'interrupted');
    const retries = all.filter((row) => row.retry_of === victim.id);
    assert.equal(retries.length, 1, 'retried once');
    assert.equal(retries[0].status, 'ok');
    assert.ok(!all.some((row) => row.status === 'running'), 'nothing left running after a clean stop');

    const slots = all
      .filter((row) => row.slot_time !== null)
      .map((row) => row.slot_time as number)
      .sort((a, b) => a - b);
    assert.equal(new Set(slots).size, slots.length, 'no slot duplicated');
    const gaps = slots.slice(1).map((slot, index) => slot - slots[index]);
    const long = gaps.filter((gap) => gap !== 1000);
    // Every slot has its run, except those that fell while the process was dead: catchUp once folds them into one.
    assert.ok(long.length <= 1, `slots lost outside the downtime: gaps ${JSON.stringify(gaps)}`);
    if (long.length === 1) {
      const index = gaps.indexOf(long[0]);
      assert.ok(slots[index] < killedAt && slots[index + 1] > killedAt, 'the only gap is the downtime');
    }
    const after = slots.filter((slot) => slot > killedAt);
    assert.ok(after.length >= 3, 'slots keep running after the restart');
  } finally {
    closeSqlite(db);
    await fake.close();
    await rm(folder, { recursive: true, force: true });
  }
});
