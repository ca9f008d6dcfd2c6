import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readLogTail } from '../../src/service/read-log-tail.ts';
import { openRotatingLogFile } from '../../src/service/rotating-log-file.ts';
import { type ServiceExit, startLimitReached } from '../../src/service/service-exits.ts';

describe('the service log rotates by size and keeps a bounded number of files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyramid-log-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('1,000 lines into 1 KiB files keeping 3: four files, none over the size, the newest lines readable across them', async () => {
    const logs = join(dir, 'logs');
    const log = openRotatingLogFile({ dir: logs, maxBytes: 1024, keep: 3 });
    for (let index = 0; index < 1000; index++) log.write(`{"line":${index}}\n`);
    log.close();
    assert.deepEqual((await readdir(logs)).sort(), [
      'pyramid.log',
      'pyramid.log.1',
      'pyramid.log.2',
      'pyramid.log.3',
    ]);
    for (const name of await readdir(logs)) {
      const file = await stat(join(logs, name));
      assert.ok(file.size <= 1024, `${name} is ${file.size} bytes`);
      assert.equal((file.mode & 0o777).toString(8), '600');
    }
    const tail = readLogTail(logs, 120, 3);
    assert.equal(tail.length, 120);
    assert.deepEqual(tail.at(-1), '{"line":999}');
    assert.deepEqual(tail[0], '{"line":880}');
  });

  test('a reopened log appends and keeps counting its size', async () => {
    const logs = join(dir, 'again');
    for (let round = 0; round < 3; round++) {
      const log = openRotatingLogFile({ dir: logs, maxBytes: 100, keep: 1 });
      log.write(`${'x'.repeat(59)}\n`);
      log.close();
    }
    assert.deepEqual((await readdir(logs)).sort(), ['pyramid.log', 'pyramid.log.1']);
    assert.equal((await stat(join(logs, 'pyramid.log'))).size, 60);
  });

  test('two processes writing one log (a shared home on PostgreSQL): every line once, whole, files still bounded', async () => {
    const logs = join(dir, 'shared');
    const writer = fileURLToPath(new URL('fixtures/write-log-lines.ts', import.meta.url));
    const lines = 3000;
    const run = (name: string) =>
      new Promise<number | null>((resolve, reject) => {
        const child = spawn(process.execPath, [writer, logs, name, String(lines)], { stdio: 'inherit' });
        child.on('error', reject);
        child.on('close', resolve);
      });
    assert.deepEqual(await Promise.all([run('a'), run('b')]), [0, 0]);
    const seen = new Map<string, number>();
    const names = await readdir(logs);
    for (const name of names) {
      const path = join(logs, name);
      if (!name.startsWith('pyramid.log')) continue;
      const size = (await stat(path)).size;
      // Two writers may both append after the same size check: at most one line each over the size.
      assert.ok(size <= 4096 + 2 * 100, `${name} is ${size} bytes`);
      for (const line of (await readFile(path, 'utf8')).split('\n')) {
        if (line === '') continue;
        const { writer: from, line: index } = JSON.parse(line) as { writer: string; line: number };
        const key = `${from}:${index}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
    assert.equal(seen.size, 2 * lines);
    assert.deepEqual(
      [...seen.values()].filter((count) => count !== 1),
      [],
    );
    assert.ok(!names.some((name) => name.endsWith('.rotating')), names.join(' '));
  });
});

describe('launchd start limit', () => {
  const failed = (at: number): ServiceExit => ({ at, pid: 1, code: 1, exitedWith: 1, reason: 'failed' });
  test('five failures within the window stop it; an older one, or a success between, does not', () => {
    const now = 1_000_000;
    const five = [1, 2, 3, 4, 5].map((second) => failed(now - second * 1000));
    assert.equal(startLimitReached(five, now, 5, 600_000), true);
    assert.equal(startLimitReached(five.slice(1), now, 5, 600_000), false);
    assert.equal(startLimitReached([failed(now - 700_000), ...five.slice(1)], now, 5, 600_000), false);
    const gaveUp: ServiceExit = { ...failed(now), exitedWith: 0, reason: 'start_limit' };
    assert.equal(startLimitReached([...five, gaveUp], now, 5, 600_000), false);
  });
});
