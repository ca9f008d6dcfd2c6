import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { offlinePyramidYaml } from './offline-pyramid-yaml.ts';
import { type CliRun, runPyramid } from './run-pyramid.ts';

// Only a safety net: each run below ends by itself in a second or two; a hang is reported, not waited out.
const killAfterMs = 60_000;

const noCrash = (run: CliRun) => {
  assert.equal(run.killed, undefined, `the command hung and was killed:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /internal error|please report|\n\s+at /, run.stderr);
};

describe('hostile or broken files in PYRAMID_HOME get a clear error and the README exit code, never a crash or a hang', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pyramid-special-'));
    // Readable by the unprivileged user of the read-only home test.
    await chmod(root, 0o755);
  });
  after(() => rm(root, { recursive: true, force: true }));

  const home = async (name: string, config = offlinePyramidYaml()) => {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'pyramid.yaml'), config);
    return dir;
  };
  const run = (args: string[], dir: string, options = {}) =>
    runPyramid(args, { PYRAMID_HOME: dir }, undefined, { killAfterMs, ...options });

  test('a YAML alias bomb ("billion laughs") is refused as config (exit 78)', async () => {
    const levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < 10; level++)
      levels.push(
        `a${level}: &a${level} [${Array(9)
          .fill(`*a${level - 1}`)
          .join(',')}]`,
      );
    const dir = await home('laughs', `${offlinePyramidYaml()}${levels.join('\n')}\n`);
    const result = await run(['config', 'validate'], dir);
    noCrash(result);
    assert.equal(result.code, 78, result.stderr);
    assert.match(result.stderr, /too many YAML aliases/);
  });

  test('a 5,000-deep YAML mapping or list is refused as config (exit 78), flow or block style', async () => {
    const flow = `x: ${'{a: '.repeat(5000)}1${'}'.repeat(5000)}\n`;
    // A 5,000-deep block mapping would be 12 MB of indentation (refused by size); nested block lists are not.
    const block = `x:\n  ${'- '.repeat(5000)}1\n`;
    const cases = [
      ['flow', flow],
      ['block', block],
    ];
    // Each case is its own home and CLI child: they run side by side.
    const results = await Promise.all(
      cases.map(async ([name, text]) =>
        run(['config', 'validate'], await home(`deep-${name}`, `${offlinePyramidYaml()}${text}`)),
      ),
    );
    cases.forEach(([name], index) => {
      const result = results[index];
      noCrash(result);
      assert.equal(result.code, 78, `${name}: ${result.stderr}`);
      assert.match(result.stderr, /line \d+: .*nested more than 64 levels deep/);
    });
  });

  test('a config file that is a FIFO, a link to /dev/zero, a dangling link or too large is refused unread (exit 78)', async () => {
    const dir = await home('config-files');
    const fifo = join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    const zero = join(dir, 'zero.yaml');
    await symlink('/dev/zero', zero);
    const dangling = join(dir, 'dangling.yaml');
    await symlink(join(dir, 'gone.yaml'), dangling);
    const huge = join(dir, 'huge.yaml');
    await writeFile(huge, `${offlinePyramidYaml()}# ${'x'.repeat(9 * 1_048_576)}\n`);
    const expected: [string, RegExp][] = [
      [fifo, /is a FIFO \(named pipe\), not a regular file/],
      [zero, /is a character device, not a regular file/],
      [dangling, /symbolic link to a file that does not exist/],
      [huge, /too large \(10 MB; at most 8 MB\)/],
    ];
    const results = await Promise.all(
      expected.map(([file]) => run(['config', 'validate', '--config', file], dir)),
    );
    expected.forEach(([file, message], index) => {
      const result = results[index];
      noCrash(result);
      assert.equal(result.code, 78, `${file}: ${result.stderr}`);
      assert.match(result.stderr, message);
    });
  });

  test('a credentials file that is a dangling link, a folder, a link to /dev/zero or a FIFO stops the start (exit 78)', async () => {
    const cases: [string, (file: string) => Promise<unknown>, RegExp][] = [
      [
        'dangling',
        (file) => symlink('/nonexistent/credentials', file),
        /symbolic link to a file that does not exist/,
      ],
      ['folder', (file) => mkdir(file), /is a folder, not a file: remove it/],
      ['zero', (file) => symlink('/dev/zero', file), /is a character device, not a regular file/],
      [
        'fifo',
        async (file) => execFileSync('mkfifo', [file]),
        /is a FIFO \(named pipe\), not a regular file/,
      ],
    ];
    const results = await Promise.all(
      cases.map(async ([name, make]) => {
        const dir = await home(`credentials-${name}`);
        await make(join(dir, 'credentials'));
        return run(['start', '--port', '0'], dir);
      }),
    );
    cases.forEach(([name, , message], index) => {
      const result = results[index];
      noCrash(result);
      assert.equal(result.code, 78, `${name}: ${result.stderr}`);
      assert.match(result.stderr, /invalid config in .*credentials:\n {2}credentials: /);
      assert.match(result.stderr, message);
    });
  });

  test('a read-only PYRAMID_HOME is a clear failure (exit 1) naming the folder and what to do', async () => {
    const dir = await home('read-only');
    await chmod(join(dir, 'pyramid.yaml'), 0o644);
    await chmod(dir, 0o555);
    // Root ignores permissions: run the CLI as an unprivileged user then.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const commands = [['start', '--port', '0'], ['jobs', 'list'], ['usage']];
    const results = await Promise.all(commands.map((args) => run(args, dir, asUser)));
    commands.forEach((args, index) => {
      const result = results[index];
      noCrash(result);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.match(
        result.stderr,
        // start claims the home (its socket) before it opens the database.
        /cannot create (the database )?.*read-only\/pyramid\.(db|sock) \(permission denied\)/,
      );
      assert.match(result.stderr, /make PYRAMID_HOME writable by this user, or set PYRAMID_HOME/);
    });
  });
});
