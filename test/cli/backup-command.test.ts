import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { runPyramid } from './run-pyramid.ts';

/** A WAL database like pyramid.db with two tables every transaction writes one row to. */
function openWriter(file: string): DatabaseSync {
  const db = new DatabaseSync(file, { timeout: 10_000 });
  db.exec(
    'PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS a (n INTEGER); CREATE TABLE IF NOT EXISTS b (n INTEGER)',
  );
  return db;
}

function writeBoth(db: DatabaseSync, n: number): void {
  db.exec('BEGIN');
  db.prepare('INSERT INTO a (n) VALUES (?)').run(n);
  db.prepare('INSERT INTO b (n) VALUES (?)').run(n);
  db.exec('COMMIT');
}

function counts(file: string): { a: number; b: number; check: string } {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS c FROM ${table}`).get() as { c: number }).c;
    const check = (db.prepare('PRAGMA quick_check').get() as { quick_check: string }).quick_check;
    return { a: count('a'), b: count('b'), check };
  } finally {
    db.close();
  }
}

describe('pyramid backup <file> copies pyramid.db consistently while it is in use', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pyramid-cli-backup-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  test('a backup taken while another connection writes holds every row committed before it, and none uncommitted', async () => {
    const home = await mkdtemp(join(root, 'busy-'));
    const writer = openWriter(join(home, 'pyramid.db'));
    const holder = new DatabaseSync(join(home, 'pyramid.db'), { timeout: 10_000 });
    try {
      for (let n = 0; n < 200; n++) writeBoth(writer, n);
      // Another connection holds an open write transaction: its rows are not committed, so not copied.
      holder.exec('BEGIN IMMEDIATE');
      holder.prepare('INSERT INTO a (n) VALUES (-1)').run();
      const target = join(root, 'busy-copy.db');
      const run = await runPyramid(['backup', target], { PYRAMID_HOME: home });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /busy-copy\.db/);
      holder.exec('ROLLBACK');
      const copied = counts(target);
      assert.deepEqual(copied, { a: 200, b: 200, check: 'ok' });
      assert.equal((await stat(target)).mode & 0o777, 0o600);

      // Writes keep committing while the backup runs: the copy is one consistent moment, with at least
      // the rows committed before the backup started.
      let written = 200;
      let done = false;
      const target2 = join(root, 'busy-copy-2.db');
      const backup = runPyramid(['backup', target2], { PYRAMID_HOME: home }).finally(() => {
        done = true;
      });
      const before = written;
      while (!done) {
        writeBoth(writer, written++);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const second = await backup;
      assert.equal(second.code, 0, second.stderr);
      const copy2 = counts(target2);
      assert.equal(copy2.check, 'ok');
      assert.equal(copy2.a, copy2.b, 'each transaction is in the copy whole or not at all');
      assert.ok(copy2.a >= before, `${copy2.a} rows copied, ${before} committed before the backup`);
      assert.ok(copy2.a <= written);
    } finally {
      holder.close();
      writer.close();
    }
  });

  test('an existing file is refused and left as it was, unless --force', async () => {
    const home = await mkdtemp(join(root, 'force-'));
    const writer = openWriter(join(home, 'pyramid.db'));
    writeBoth(writer, 1);
    writer.close();
    const target = join(root, 'existing.db');
    await writeFile(target, 'keep me', { mode: 0o644 });
    const refused = await runPyramid(['backup', target], { PYRAMID_HOME: home });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /existing\.db already exists.*--force/);
    assert.equal(await readFile(target, 'utf8'), 'keep me');
    const forced = await runPyramid(['backup', target, '--force'], { PYRAMID_HOME: home });
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(counts(target), { a: 1, b: 1, check: 'ok' });
    assert.equal((await stat(target)).mode & 0o777, 0o600);
  });

  test('with no pyramid.db yet it says so and writes nothing', async () => {
    const home = await mkdtemp(join(root, 'empty-'));
    const target = join(root, 'nothing.db');
    const run = await runPyramid(['backup', target], { PYRAMID_HOME: home });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no pyramid\.db/);
    await assert.rejects(stat(target), { code: 'ENOENT' });
    await assert.rejects(stat(join(home, 'pyramid.db')), { code: 'ENOENT' });
  });
});
