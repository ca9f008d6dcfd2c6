import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runPyramid } from './run-pyramid.ts';

const oldToken = `pyr_${'a'.repeat(43)}`;
const viewer = { name: 'wall', token: `pyr_${'v'.repeat(43)}`, scopes: ['viewer'] };

async function homeWithCredentials(root: string, name: string, mode = 0o600): Promise<string> {
  const home = await mkdtemp(join(root, `${name}-`));
  const tokens = [{ name: 'admin', token: oldToken, scopes: ['admin'] }, viewer];
  await writeFile(join(home, 'credentials'), `${JSON.stringify({ tokens }, null, 2)}\n`, { mode });
  await chmod(join(home, 'credentials'), mode);
  return home;
}

describe('pyramid token prints or replaces the generated admin token', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pyramid-cli-token-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  test('prints the admin token from PYRAMID_HOME/credentials, alone on stdout; --json names the file', async () => {
    const home = await homeWithCredentials(root, 'print');
    const run = await runPyramid(['token'], { PYRAMID_HOME: home });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${oldToken}\n`);
    const json = await runPyramid(['token', '--json'], { PYRAMID_HOME: home });
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), {
      name: 'admin',
      token: oldToken,
      file: join(home, 'credentials'),
      rotated: false,
    });
  });

  test('--rotate writes a new 256-bit token, keeps the other tokens, leaves the file 0600 and says to restart', async () => {
    const home = await homeWithCredentials(root, 'rotate', 0o644);
    const file = join(home, 'credentials');
    const run = await runPyramid(['token', '--rotate'], { PYRAMID_HOME: home });
    assert.equal(run.code, 0, run.stderr);
    const printed = run.stdout.trim();
    assert.match(printed, /^pyr_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(printed, oldToken);
    assert.match(run.stderr, /restart/);
    assert.doesNotMatch(run.stderr, new RegExp(printed));
    const saved = JSON.parse(await readFile(file, 'utf8')) as { tokens: { name: string; token: string }[] };
    assert.deepEqual(saved.tokens, [{ name: 'admin', token: printed, scopes: ['admin'] }, viewer]);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const again = await runPyramid(['token'], { PYRAMID_HOME: home });
    assert.equal(again.stdout, `${printed}\n`);
  });

  test('--rotate with no credentials file creates one (0600); without --rotate it says how to get one', async () => {
    const home = await mkdtemp(join(root, 'none-'));
    const missing = await runPyramid(['token'], { PYRAMID_HOME: home });
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /no generated admin token.*pyramid start.*--rotate/s);
    const run = await runPyramid(['token', '--rotate', '--json'], { PYRAMID_HOME: home });
    assert.equal(run.code, 0, run.stderr);
    const body = JSON.parse(run.stdout) as { token: string; rotated: boolean };
    assert.match(body.token, /^pyr_[A-Za-z0-9_-]{43}$/);
    assert.equal(body.rotated, true);
    assert.equal((await stat(join(home, 'credentials'))).mode & 0o777, 0o600);
  });

  test('a credentials file that is not JSON is refused with how to fix it, and left alone by --rotate', async () => {
    const home = await mkdtemp(join(root, 'bad-'));
    await writeFile(join(home, 'credentials'), 'not json', { mode: 0o600 });
    for (const args of [['token'], ['token', '--rotate']]) {
      const run = await runPyramid(args, { PYRAMID_HOME: home });
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /not JSON/);
    }
    assert.equal(await readFile(join(home, 'credentials'), 'utf8'), 'not json');
  });
});
