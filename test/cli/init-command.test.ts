import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runPyramid } from './run-pyramid.ts';

describe('pyramid init where it cannot write says why (exit 1), never an internal error', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pyramid-cli-init-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  test('--config naming a folder is refused as a folder, with or without --force', async () => {
    const folder = join(root, 'a-folder');
    await mkdir(folder);
    for (const args of [['init'], ['init', '--force']]) {
      const run = await runPyramid([...args, '--config', folder], { PYRAMID_HOME: root });
      assert.equal(run.code, 1, run.stderr);
      assert.doesNotMatch(run.stderr, /internal error|use --force/);
      assert.match(run.stderr, /a-folder is a folder/);
    }
  });

  test('a PYRAMID_HOME that is a file is named', async () => {
    const file = join(root, 'home-file');
    await writeFile(file, 'x');
    const run = await runPyramid(['init'], { PYRAMID_HOME: file });
    assert.equal(run.code, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /internal error/);
    assert.match(run.stderr, /home-file is a file, not a folder/);
  });

  test('--force leaves the rewritten config owner-only, like a new one', async () => {
    const file = join(root, 'shared.yaml');
    await writeFile(file, 'old: true\n', { mode: 0o644 });
    const run = await runPyramid(['init', '--force', '--config', file], { PYRAMID_HOME: root });
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });
});
