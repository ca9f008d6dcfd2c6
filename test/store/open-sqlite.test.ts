import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Migration } from '../../src/store/migration.ts';
import { migrations } from '../../src/store/migrations.ts';
import { closeSqlite, openSqlite } from '../../src/store/open-sqlite.ts';
import { runMigrations, schemaVersion } from '../../src/store/run-migrations.ts';
import { transaction } from '../../src/store/transaction.ts';

const pragma = (db: DatabaseSync, name: string) => Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0];
const tables = (db: DatabaseSync) =>
  db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((row) => row.name);

// The tables each migration creates; later migrations add theirs (0001 ledger, 0002 scheduler).
const migratedTables = [
  'agent_notes',
  'attempts',
  'jobs',
  'requests',
  'runs',
  'session_messages',
  'sessions',
];
const assertSchemaTables = (present: unknown[]) =>
  assert.deepEqual(
    migratedTables.filter((table) => !present.includes(table)),
    [],
    `tables: ${present.join(', ')}`,
  );

describe('openSqlite', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pyramid-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the file and its parent folders, in WAL with foreign keys, busy timeout and NORMAL sync', () => {
    const db = openSqlite(join(dir, 'nested', 'deeper', 'pyramid.db'));
    try {
      assert.equal(pragma(db, 'journal_mode'), 'wal');
      assert.equal(pragma(db, 'foreign_keys'), 1);
      assert.equal(pragma(db, 'busy_timeout'), 5000);
      assert.equal(pragma(db, 'synchronous'), 1); // NORMAL
      assert.equal(schemaVersion(db), migrations.length);
      assertSchemaTables(tables(db));
    } finally {
      closeSqlite(db);
    }
  });

  it('creates the database, its WAL and shared-memory files readable by their owner only', () => {
    const file = join(dir, 'private', 'pyramid.db');
    const db = openSqlite(file);
    try {
      db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
      for (const path of [file, `${file}-wal`, `${file}-shm`]) {
        assert.equal(statSync(path).mode & 0o777, 0o600, path);
      }
    } finally {
      closeSqlite(db);
    }
  });

  it('takes synchronous FULL and a busy timeout as options', () => {
    const db = openSqlite(join(dir, 'a.db'), { synchronous: 'FULL', busyTimeoutMs: 250 });
    assert.equal(pragma(db, 'synchronous'), 2);
    assert.equal(pragma(db, 'busy_timeout'), 250);
    closeSqlite(db);
  });

  it('applies migrations once: reopening runs nothing and keeps the data', () => {
    const path = join(dir, 'pyramid.db');
    const first = openSqlite(path);
    first.exec(
      `INSERT INTO requests (request_id, task, resolved_task, caller_tag, started_at, finished_at, outcome,
        error_code, model, tier, input_tokens, output_tokens, reasoning_tokens, cached_input_tokens, cost_usd,
        cloud_only_cost_usd, attempt_count)
      VALUES ('kept', 't', 't', NULL, 1, 2, 'ok', NULL, 'm', 0, 1, 1, 0, 0, 0.5, 0.5, 0)`,
    );
    closeSqlite(first);
    const second = openSqlite(path);
    try {
      assert.deepEqual(runMigrations(second, migrations), { from: migrations.length, to: migrations.length });
      assert.equal(second.prepare('SELECT COUNT(*) AS n FROM requests').get()?.n, 1);
    } finally {
      closeSqlite(second);
    }
  });

  it('applies only the steps a database has not seen, in order', () => {
    const path = join(dir, 'pyramid.db');
    closeSqlite(openSqlite(path));
    const added: Migration[] = [
      ...migrations,
      { name: 'extra-table', sql: 'CREATE TABLE extra (id INTEGER PRIMARY KEY)' },
      { name: 'extra-row', sql: 'INSERT INTO extra (id) VALUES (7)' },
    ];
    const db = openSqlite(path, { migrations: added });
    try {
      assert.equal(schemaVersion(db), migrations.length + 2);
      assert.deepEqual(
        db
          .prepare('SELECT id FROM extra')
          .all()
          .map((row) => row.id),
        [7],
      );
      assert.deepEqual(runMigrations(db, added), { from: added.length, to: added.length });
    } finally {
      closeSqlite(db);
    }
  });

  it('rolls a failed step back whole and stays at the previous version', () => {
    const path = join(dir, 'pyramid.db');
    const broken: Migration[] = [
      ...migrations,
      { name: 'half-broken', sql: 'CREATE TABLE half (id INTEGER); CREATE TABLE oops (' },
    ];
    assert.throws(
      () => openSqlite(path, { migrations: broken }),
      (error: Error & { code?: string }) =>
        error.code === 'store_migration_failed' && /half-broken/.test(error.message),
    );
    const db = openSqlite(path);
    try {
      assert.equal(schemaVersion(db), migrations.length);
      assertSchemaTables(tables(db));
    } finally {
      closeSqlite(db);
    }
  });

  it('refuses a database written by a newer schema', () => {
    const path = join(dir, 'pyramid.db');
    const db = openSqlite(path);
    db.exec(`PRAGMA user_version = ${migrations.length + 5}`);
    closeSqlite(db);
    assert.throws(() => openSqlite(path), { code: 'store_too_new' });
  });

  it('refuses a file that is not a SQLite database, naming it and what to do', () => {
    const path = join(dir, 'pyramid.db');
    writeFileSync(path, 'not a database at all, just some text that is long enough\n'.repeat(20));
    assert.throws(
      () => openSqlite(path),
      (error: Error & { code?: string }) =>
        error.code === 'store_not_database' &&
        error.message.includes(path) &&
        /not a Pyramid database/.test(error.message),
    );
  });

  it("refuses another program's SQLite database instead of adding Pyramid's tables to it", () => {
    const path = join(dir, 'pyramid.db');
    const foreign = new DatabaseSync(path);
    foreign.exec('CREATE TABLE notes (body TEXT)');
    foreign.close();
    assert.throws(() => openSqlite(path), { code: 'store_not_database' });
    const after = new DatabaseSync(path);
    try {
      assert.deepEqual(tables(after), ['notes']);
      assert.equal(pragma(after, 'journal_mode'), 'delete');
    } finally {
      after.close();
    }
  });

  it('says a database path that is a folder is a folder', () => {
    const path = join(dir, 'pyramid.db');
    mkdirSync(path);
    assert.throws(
      () => openSqlite(path),
      (error: Error & { code?: string }) =>
        error.code === 'store_cannot_open' && error.message.includes(`${path} is a folder`),
    );
  });

  it('opens :memory: with the schema, and closing twice is harmless', () => {
    const db = openSqlite(':memory:');
    assertSchemaTables(tables(db));
    closeSqlite(db);
    closeSqlite(db);
    assert.equal(db.isOpen, false);
  });
});

describe('transaction', () => {
  it('commits on return and rolls back everything on a throw mid-way', () => {
    const db = openSqlite(':memory:', { migrations: [{ name: 't', sql: 'CREATE TABLE t (id INTEGER)' }] });
    transaction(db, () => db.exec('INSERT INTO t VALUES (1)'));
    assert.throws(
      () =>
        transaction(db, () => {
          db.exec('INSERT INTO t VALUES (2)');
          throw new Error('crash mid-way');
        }),
      /crash mid-way/,
    );
    assert.equal(db.isTransaction, false);
    assert.deepEqual(
      db
        .prepare('SELECT id FROM t')
        .all()
        .map((row) => row.id),
      [1],
    );
    closeSqlite(db);
  });
});
