// Migration 0013 on databases that predate it: one with runs was started before (it keeps catching up
// after downtime), one without runs has never run a scheduler (its first start catches nothing up).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { migrations } from '../../src/store/migrations.ts';
import { closeSqlite, openSqlite } from '../../src/store/open-sqlite.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pyramid-first-start-migration-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const before = migrations.findIndex((migration) => migration.name === '0016-scheduler-first-start');

const firstStart = (path: string) => {
  const db = openSqlite(path);
  try {
    return db
      .prepare('SELECT first_started_at AS at FROM scheduler_state')
      .all()
      .map((row) => row.at);
  } finally {
    closeSqlite(db);
  }
};

test('a database with runs counts as started since its first run; one without has not started', () => {
  const withRuns = join(dir, 'with-runs.db');
  const old = openSqlite(withRuns, { migrations: migrations.slice(0, before) });
  old.exec(`INSERT INTO runs (id, job_id, agent_id, trigger, status, queued_at) VALUES
    ('r1', 'j', 'a', 'schedule', 'ok', 5000), ('r2', 'j', 'a', 'manual', 'ok', 3000)`);
  closeSqlite(old);
  assert.deepEqual(firstStart(withRuns), [3000]);

  const empty = join(dir, 'empty.db');
  closeSqlite(openSqlite(empty, { migrations: migrations.slice(0, before) }));
  assert.deepEqual(firstStart(empty), []);
});
