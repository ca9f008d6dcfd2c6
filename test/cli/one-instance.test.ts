import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Started, startPyramid } from '../gateway/start-pyramid-process.ts';
import { offlinePyramidYaml } from './offline-pyramid-yaml.ts';
import { runPyramid } from './run-pyramid.ts';

const pyramidYaml = offlinePyramidYaml('gateway: { probeInterval: 1h }');

describe('one pyramid start per PYRAMID_HOME', { timeout: 120_000 }, () => {
  let home: string;
  const started: Started[] = [];
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-one-'));
    await writeFile(join(home, 'pyramid.yaml'), pyramidYaml);
  });
  after(async () => {
    for (const process of started) {
      if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill('SIGKILL');
      await process.exited;
    }
    await rm(home, { recursive: true, force: true });
  });

  test('a second start is refused naming the first one’s pid and address; after kill -9 of the first, a start succeeds', async () => {
    const first = await startPyramid({ PYRAMID_HOME: home });
    started.push(first);
    const second = await runPyramid(['start', '--port', '0'], { PYRAMID_HOME: home });
    assert.equal(second.code, 1, second.stderr);
    assert.match(
      second.stderr,
      new RegExp(
        `another pyramid start is running on ${home}: pid ${first.child.pid}, listening on ${first.url}`,
      ),
    );
    assert.doesNotMatch(second.stderr, /internal error/);
    assert.doesNotMatch(second.stdout + second.stderr, /gateway listening/);
    assert.equal((await fetch(`${first.url}/health`)).status, 200);

    first.child.kill('SIGKILL');
    await first.exited;
    // The socket file is still there, but nobody listens on it any more: no stale lock.
    assert.ok((await stat(join(home, 'pyramid.sock'))).isSocket());
    const third = await startPyramid({ PYRAMID_HOME: home });
    started.push(third);
    assert.equal((await fetch(`${third.url}/health`)).status, 200);
    third.child.kill('SIGTERM');
    assert.equal(await third.exited, 0);
    // A clean stop gives the home up.
    await assert.rejects(stat(join(home, 'pyramid.sock')), { code: 'ENOENT' });
  });

  test('another home is not affected', async () => {
    const other = await mkdtemp(join(tmpdir(), 'pyramid-one-other-'));
    try {
      await writeFile(join(other, 'pyramid.yaml'), pyramidYaml);
      const first = await startPyramid({ PYRAMID_HOME: home });
      started.push(first);
      const second = await startPyramid({ PYRAMID_HOME: other });
      started.push(second);
      assert.notEqual(first.url, second.url);
      second.child.kill('SIGTERM');
      first.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
      assert.equal(await first.exited, 0);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
