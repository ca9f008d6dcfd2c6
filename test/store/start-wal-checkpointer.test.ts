import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeSqlite, openSqlite } from '../../src/store/open-sqlite.ts';
import { startWalCheckpointer } from '../../src/store/start-wal-checkpointer.ts';

let dir: string;
let path: string;
let db: DatabaseSync;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pyramid-wal-'));
  path = join(dir, 'pyramid.db');
  db = openSqlite(path, { migrations: [] });
  db.exec('CREATE TABLE notes (body TEXT)');
});
afterEach(() => {
  closeSqlite(db);
  rmSync(dir, { recursive: true, force: true });
});

/** About 2 MB in 200 commits, as a busy gateway's ledger writes them. */
function write() {
  const insert = db.prepare('INSERT INTO notes (body) VALUES (?)');
  for (let commit = 0; commit < 200; commit++) {
    db.exec('BEGIN');
    for (let row = 0; row < 10; row++) insert.run('x'.repeat(1000));
    db.exec('COMMIT');
  }
}

const pragma = (name: string) => Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0];

// The store's connection turns its automatic checkpoints off before starting the checkpointer, and back on
// when it fails (as pyramid start does through the store worker's disable/enableAutocheckpoint).
const autocheckpoint = (pages: number) => db.exec(`PRAGMA wal_autocheckpoint = ${pages}`);

test('commits no longer checkpoint; the worker copies the WAL into the database on its timer', async () => {
  autocheckpoint(0);
  const checkpointer = startWalCheckpointer(path, { intervalMs: 20 });
  try {
    assert.equal(pragma('wal_autocheckpoint'), 0);
    const before = statSync(path).size;
    write();
    const deadline = Date.now() + 5_000;
    while (statSync(path).size - before < 1_000_000 && Date.now() < deadline) await sleep(20);
    assert.ok(statSync(path).size - before >= 1_000_000, 'the database file took the WAL content');
    assert.equal(Number(db.prepare('SELECT COUNT(*) AS n FROM notes').get()?.n), 2000);
  } finally {
    checkpointer.stop();
  }
});

test('a worker that fails turns automatic checkpoints back on and says why', async () => {
  const errors: Error[] = [];
  autocheckpoint(0);
  startWalCheckpointer(join(dir, 'missing', 'folder', 'pyramid.db'), {
    onError: (e) => {
      errors.push(e);
      autocheckpoint(1000);
    },
  });
  const deadline = Date.now() + 5_000;
  while (errors.length === 0 && Date.now() < deadline) await sleep(10);
  assert.equal(errors.length, 1);
  assert.equal(pragma('wal_autocheckpoint'), 1000);
});

test('a checkpointer whose worker opens after pyramid.db was deleted never re-creates the file', async () => {
  // The worker thread opens its connection when it has booted, which under load is after the process
  // started serving: a connection that created a missing file there made the deletion look like a
  // replacement, and put an empty database where the operator is told to restore the real one.
  rmSync(path);
  const errors: Error[] = [];
  startWalCheckpointer(path, { onError: (e) => errors.push(e) });
  const deadline = Date.now() + 20_000;
  while (errors.length === 0 && !existsSync(path) && Date.now() < deadline) await sleep(10);
  assert.equal(existsSync(path), false, 'the deleted database stays deleted');
  assert.equal(errors.length, 1, 'the worker says it cannot checkpoint');
  assert.match(errors[0].message, /unable to open/);
});
