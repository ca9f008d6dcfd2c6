import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { closeSqlite, openSqlite } from '../../src/store/open-sqlite.ts';
import { createSqliteSchedulerStore } from '../../src/store/sqlite-scheduler-store.ts';
import { runRecord } from '../scheduler/run-record.ts';
import { runPyramid } from './run-pyramid.ts';

let home: string;
before(async () => {
  home = await mkdtemp(join(tmpdir(), 'pyramid-runs-waiting-'));
  await writeFile(
    join(home, 'pyramid.yaml'),
    `providers:
  local: { api: ollama, baseUrl: "http://127.0.0.1:11434" }
models:
  small: { provider: local, id: "small", cost: { input: 0, output: 0 } }
tiers: [[small]]
`,
  );
  const now = Date.now();
  const db = openSqlite(join(home, 'pyramid.db'));
  const store = createSqliteSchedulerStore(db);
  store.insertRun(
    runRecord('r-done', 'ok', now - 60_000, { startedAt: now - 59_750, finishedAt: now - 59_000 }),
  );
  store.insertRun(runRecord('r-waiting', 'queued', now - 5000));
  store.insertRun(runRecord('r-retry', 'queued', now - 10_000, { attempt: 1, notBefore: now + 30_000 }));
  closeSqlite(db);
});
after(() => rm(home, { recursive: true, force: true }));

test('pyramid runs shows how long queued runs have waited so far, and when a retry is due', async () => {
  const run = await runPyramid(['runs'], { PYRAMID_HOME: home });
  assert.equal(run.code, 0, run.stderr);
  const line = (id: string) => run.stdout.split('\n').find((entry) => entry.startsWith(id)) ?? '';
  assert.match(line('r-done'), / 250ms /);
  assert.match(line('r-waiting'), / \d{4,}ms so far /);
  // The CLI may start slowly on a busy machine: the time left is at most 30 s and counts down, never a
  // time already past (and never a fixed window that a slow start falls out of).
  const retryIn = Number(/ retry in (\d+)s /.exec(line('r-retry'))?.[1]);
  assert.ok(retryIn > 0 && retryIn <= 30, `retry in ${retryIn}s: between 1 and 30 s`);
});
