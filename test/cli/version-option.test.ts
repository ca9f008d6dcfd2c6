import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { runPyramid } from './run-pyramid.ts';

test('pyramid --version prints the package.json version and exits 0', async () => {
  const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const run = await runPyramid(['--version'], { PYRAMID_HOME: '/nonexistent-pyramid-home' });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, `${version}\n`);
});
