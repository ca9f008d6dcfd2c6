import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Started, startPyramid } from '../gateway/start-pyramid-process.ts';
import { offlinePyramidYaml } from './offline-pyramid-yaml.ts';
import { runPyramid } from './run-pyramid.ts';

const pyramidYaml = offlinePyramidYaml('gateway: { probeInterval: 1h }');

describe('pyramid start on a port that is taken', () => {
  let first: Started;
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-port-'));
    await writeFile(join(home, 'pyramid.yaml'), pyramidYaml);
    first = await startPyramid({ PYRAMID_HOME: join(home) });
  });
  after(async () => {
    first.child.kill('SIGTERM');
    await first.exited;
    await rm(home, { recursive: true, force: true });
  });

  test('exits 1 saying the port is in use and what to do, with no stack trace; the first keeps serving', async () => {
    const port = new URL(first.url).port;
    // Another home: a second start on the same home is refused before it tries the port (one-instance.test.ts).
    const otherHome = join(home, 'other');
    await mkdir(otherHome);
    await writeFile(join(otherHome, 'pyramid.yaml'), pyramidYaml);
    const second = await runPyramid(['start', '--port', port], { PYRAMID_HOME: otherHome });
    assert.equal(second.code, 1);
    assert.match(
      second.stderr,
      new RegExp(
        `error: 127\\.0\\.0\\.1:${port} is already in use \\(another pyramid start\\?\\): stop that process, or choose another port with --port or gateway\\.port`,
      ),
    );
    assert.doesNotMatch(second.stderr, /internal error|at Server\./);
    assert.doesNotMatch(second.stdout, /gateway listening/);
    assert.equal((await fetch(`${first.url}/health`)).status, 200);
  });
});
