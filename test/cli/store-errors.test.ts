import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { offlinePyramidYaml } from './offline-pyramid-yaml.ts';
import { runPyramid } from './run-pyramid.ts';

const pyramidYaml = offlinePyramidYaml();

describe('a pyramid.db Pyramid cannot use is a clear failure (exit 1), not an internal error', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-cli-store-'));
  });
  after(() => rm(home, { recursive: true, force: true }));

  const homeWith = async (name: string, db: 'garbage' | 'folder') => {
    const dir = join(home, name);
    await mkdir(dir);
    await writeFile(join(dir, 'pyramid.yaml'), pyramidYaml);
    if (db === 'garbage') await writeFile(join(dir, 'pyramid.db'), 'these are my notes, not a database\n');
    else await mkdir(join(dir, 'pyramid.db'));
    return dir;
  };

  test('a pyramid.db that is not a database is named, with what to do', async () => {
    const dir = await homeWith('garbage', 'garbage');
    const run = await runPyramid(['runs'], { PYRAMID_HOME: dir });
    assert.equal(run.code, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /internal error|at openSqlite/);
    assert.match(run.stderr, /pyramid\.db is not a Pyramid database/);
    assert.match(run.stderr, /move it away/);
  });

  test('a pyramid.db that is a folder is named as such', async () => {
    const dir = await homeWith('folder', 'folder');
    const run = await runPyramid(['jobs', 'list'], { PYRAMID_HOME: dir });
    assert.equal(run.code, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /internal error|at openSqlite/);
    assert.match(run.stderr, /pyramid\.db is a folder/);
  });
});
