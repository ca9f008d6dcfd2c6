import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { migrations } from '../../src/store/migrations.ts';
import { offlinePyramidYaml } from './offline-pyramid-yaml.ts';
import { runPyramid } from './run-pyramid.ts';

/** A pyramid.db as a newer Pyramid would leave it: a schema version past this one's migrations, and data. */
async function newerHome(root: string, name: string, journalMode: 'WAL' | 'DELETE'): Promise<string> {
  const home = await mkdtemp(join(root, `${name}-`));
  await writeFile(join(home, 'pyramid.yaml'), offlinePyramidYaml(), { mode: 0o600 });
  const db = new DatabaseSync(join(home, 'pyramid.db'));
  db.exec(`PRAGMA journal_mode = ${journalMode}`);
  db.exec(
    "CREATE TABLE future_things (id INTEGER PRIMARY KEY, what TEXT); INSERT INTO future_things (what) VALUES ('kept')",
  );
  db.exec(`PRAGMA user_version = ${migrations.length + 3}`);
  db.close();
  return home;
}

describe('an older Pyramid refuses a newer pyramid.db with a clear message and touches nothing', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pyramid-cli-too-new-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  for (const journalMode of ['WAL', 'DELETE'] as const) {
    for (const args of [['usage'], ['jobs', 'list'], ['start', '--port', '0']]) {
      test(`${args.join(' ')} on a newer ${journalMode} database exits 1 and leaves its bytes as they were`, async () => {
        const home = await newerHome(root, `${args[0]}-${journalMode}`, journalMode);
        const file = join(home, 'pyramid.db');
        const bytes = await readFile(file);
        const filesBefore = (await readdir(home)).sort();
        const run = await runPyramid(args, { PYRAMID_HOME: home }, undefined, { killAfterMs: 60_000 });
        assert.equal(run.killed, undefined, 'it exited by itself');
        assert.equal(run.code, 1, run.stderr);
        assert.match(
          run.stderr,
          new RegExp(
            `schema version ${migrations.length + 3}, newer than this Pyramid knows \\(${migrations.length}\\); upgrade Pyramid \\(the database was left unchanged\\)`,
          ),
        );
        assert.doesNotMatch(run.stderr, /internal error/);
        assert.ok((await readFile(file)).equals(bytes), 'pyramid.db is byte for byte what it was');
        assert.deepEqual(
          (await readdir(home)).sort(),
          filesBefore,
          'no -wal, -shm or other file left behind',
        );
      });
    }
  }
});
