import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startPyramid } from '../gateway/start-pyramid-process.ts';
import { offlinePyramidYaml } from './offline-pyramid-yaml.ts';
import { runPyramid } from './run-pyramid.ts';

describe('what pyramid start and pyramid status tell an operator', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-start-hints-'));
    // Port 9 refuses connections: nothing answers where status looks by default.
    await writeFile(join(home, 'pyramid.yaml'), offlinePyramidYaml('gateway: { port: 9 }'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  test('pyramid start prints its own pid, the one kill -HUP must reach (under npm start, not npm)', async () => {
    const started = await startPyramid({ PYRAMID_HOME: home });
    try {
      const pid = started.child.pid;
      assert.match(
        started.output(),
        new RegExp(`listening on ${started.url} \\(pid ${pid}: kill -HUP ${pid}`),
      );
    } finally {
      started.child.kill('SIGTERM');
      await started.exited;
    }
  });

  test('status without --url that finds nothing says to pass --url for a gateway started on another port', async () => {
    const down = await runPyramid(['status'], { PYRAMID_HOME: home });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /nothing answers at http:\/\/127\.0\.0\.1:9 .*is pyramid start running\?/);
    assert.match(down.stderr, /--url/);
  });
});
