import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { offlinePyramidYaml } from '../cli/offline-pyramid-yaml.ts';
import { runPyramid } from '../cli/run-pyramid.ts';
import { createStandIns, type StandIns } from './service-stand-ins.ts';

const root = realpathSync(fileURLToPath(new URL('../../', import.meta.url)));
const pinnedNode = realpathSync(join(root, 'node_modules', 'node', 'bin', 'node'));
const entry = join(root, 'bin', 'pyramid.js');
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
const uid = process.getuid?.() ?? 0;

/** `systemd-analyze verify` prints its warnings and still exits 0 for many: the output must be empty. */
function verifyUnit(file: string): string {
  const result = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`.trim() + (result.status === 0 ? '' : `\n(exit ${result.status})`);
}

/** The plist as JSON, through Python's plistlib (a real plist parser). */
function parsePlist(file: string): Record<string, unknown> {
  const json = execFileSync(
    'python3',
    ['-c', 'import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],"rb"))))', file],
    { encoding: 'utf8' },
  );
  return JSON.parse(json) as Record<string, unknown>;
}

describe('pyramid service install | uninstall (stand-ins for systemctl and launchctl on PATH)', () => {
  let dir: string;
  let home: string;
  let user: string;
  let standIns: StandIns;
  let env: Record<string, string>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyramid-service-'));
    home = join(dir, 'home with space');
    user = join(dir, 'user');
    await mkdir(home);
    await mkdir(user);
    await writeFile(join(home, 'pyramid.yaml'), offlinePyramidYaml('gateway: { drainTime: 40s }'));
    standIns = await createStandIns(dir);
    env = { PYRAMID_HOME: home, HOME: user, PATH: `${standIns.bin}:${process.env.PATH}` };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('systemd: a user unit with absolute paths, throttled restarts, no restart on 78, a stop longer than the drain; enabled and started', async (t) => {
    const run = await runPyramid(['service', 'install', '--platform', 'systemd'], env);
    assert.equal(run.code, 0, run.stderr);
    const unitFile = join(user, '.config', 'systemd', 'user', 'pyramid.service');
    assert.match(run.stdout, new RegExp(`installed and started ${unitFile}`));
    const unit = await readFile(unitFile, 'utf8');
    assert.ok(unit.includes(`ExecStart=${pinnedNode} ${entry} start\n`), unit);
    assert.ok(unit.includes(`Environment="PYRAMID_HOME=${home}"\n`), unit);
    assert.ok(unit.includes(`Environment="PYRAMID_CONFIG=${join(home, 'pyramid.yaml')}"\n`), unit);
    assert.match(unit, /^Restart=on-failure$/m);
    assert.match(unit, /^RestartSec=10$/m);
    assert.match(unit, /^StartLimitBurst=5$/m);
    assert.match(unit, /^StartLimitIntervalSec=600$/m);
    assert.match(unit, /^RestartPreventExitStatus=78$/m);
    const stopSeconds = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
    assert.ok(stopSeconds > 40, `TimeoutStopSec=${stopSeconds} must outlast gateway.drainTime (40s)`);
    assert.doesNotMatch(unit, /\/dev\/null|API_KEY/);
    assert.deepEqual(await standIns.calls(), [
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', 'pyramid.service'],
      ['systemctl', '--user', 'restart', 'pyramid.service'],
    ]);
    assert.ok((await stat(join(home, 'logs'))).isDirectory());
    if (!hasSystemdAnalyze)
      return t.skip('systemd-analyze is not installed (apt-get install systemd): not verified');
    assert.equal(verifyUnit(unitFile), '', 'systemd-analyze verify printed warnings');
  });

  test('systemd --system --user: a system unit running as that user, verified; --dry-run writes and runs nothing', async (t) => {
    const before = (await standIns.calls()).length;
    const name = userInfo().username;
    const run = await runPyramid(
      ['service', 'install', '--platform', 'systemd', '--system', '--user', name, '--dry-run'],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^would write \/etc\/systemd\/system\/pyramid\.service:/);
    assert.match(
      run.stdout,
      /would run:\n {2}systemctl daemon-reload\n {2}systemctl enable pyramid\.service\n {2}systemctl restart pyramid\.service\n$/,
    );
    const unit = /:\n\n([\s\S]*)\nwould run:/.exec(run.stdout)?.[1] ?? '';
    assert.match(unit, new RegExp(`^User=${name}$`, 'm'));
    assert.match(unit, /^WantedBy=multi-user\.target$/m);
    assert.equal((await standIns.calls()).length, before, 'a dry run calls nothing');
    if (!hasSystemdAnalyze)
      return t.skip('systemd-analyze is not installed (apt-get install systemd): not verified');
    const file = join(dir, 'system-pyramid.service');
    await writeFile(file, unit);
    assert.equal(verifyUnit(file), '', 'systemd-analyze verify printed warnings');
  });

  test('systemd --system without a user, or without PYRAMID_HOME, is refused', async () => {
    // Both refused before anything is written or run: the two CLI children run side by side.
    const [noUser, noHome] = await Promise.all([
      runPyramid(['service', 'install', '--platform', 'systemd', '--system', '--dry-run'], env),
      runPyramid(
        ['service', 'install', '--platform', 'systemd', '--system', '--user', 'pyramid', '--dry-run'],
        { HOME: user, PATH: env.PATH },
      ),
    ]);
    assert.equal(noUser.code, 64);
    assert.match(noUser.stderr, /--system needs --user <name>/);
    assert.equal(noHome.code, 64);
    assert.match(noHome.stderr, /--system needs PYRAMID_HOME set/);
  });

  test('an invalid config is not installed (exit 78, nothing written or run)', async () => {
    const broken = join(dir, 'broken');
    await mkdir(broken);
    await writeFile(join(broken, 'pyramid.yaml'), 'providers: { x: { api: nope } }\n');
    const before = (await standIns.calls()).length;
    const run = await runPyramid(['service', 'install', '--platform', 'launchd'], {
      ...env,
      PYRAMID_HOME: broken,
    });
    assert.equal(run.code, 78, run.stderr);
    assert.equal((await standIns.calls()).length, before);
    assert.equal(existsSync(join(user, 'Library', 'LaunchAgents', 'dev.pyramid.pyramid.plist')), false);
  });

  test('systemd uninstall: disabled and stopped, the unit removed', async () => {
    const before = (await standIns.calls()).length;
    const run = await runPyramid(['service', 'uninstall', '--platform', 'systemd'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /stopped and removed/);
    assert.deepEqual((await standIns.calls()).slice(before), [
      ['systemctl', '--user', 'disable', '--now', 'pyramid.service'],
      ['systemctl', '--user', 'daemon-reload'],
    ]);
    assert.equal(existsSync(join(user, '.config', 'systemd', 'user', 'pyramid.service')), false);
  });

  test('launchd: a LaunchAgent plist that a real plist parser reads, with its keys; bootstrapped into gui/<uid>', async () => {
    const before = (await standIns.calls()).length;
    const run = await runPyramid(['service', 'install', '--platform', 'launchd'], env);
    assert.equal(run.code, 0, run.stderr);
    const plistFile = join(user, 'Library', 'LaunchAgents', 'dev.pyramid.pyramid.plist');
    const plist = parsePlist(plistFile);
    assert.equal(plist.Label, 'dev.pyramid.pyramid');
    assert.deepEqual(plist.ProgramArguments, [pinnedNode, entry, 'start']);
    assert.deepEqual(plist.EnvironmentVariables, {
      PYRAMID_HOME: home,
      PYRAMID_CONFIG: join(home, 'pyramid.yaml'),
      PYRAMID_SERVICE: 'launchd',
    });
    assert.equal(plist.RunAtLoad, true);
    // Restarted after a failure or a crash, never after exit 0 (which is what an invalid config exits with under launchd).
    assert.deepEqual(plist.KeepAlive, { SuccessfulExit: false, Crashed: true });
    assert.equal(plist.ThrottleInterval, 10);
    assert.ok((plist.ExitTimeOut as number) > 40, 'ExitTimeOut must outlast gateway.drainTime');
    assert.equal(plist.StandardErrorPath, join(home, 'logs', 'launchd.err.log'));
    assert.equal(plist.StandardOutPath, join(home, 'logs', 'launchd.out.log'));
    assert.equal(plist.Umask, 0o077);
    assert.deepEqual((await standIns.calls()).slice(before), [
      ['launchctl', 'bootout', `gui/${uid}/dev.pyramid.pyramid`],
      ['launchctl', 'enable', `gui/${uid}/dev.pyramid.pyramid`],
      ['launchctl', 'bootstrap', `gui/${uid}`, plistFile],
    ]);

    const uninstall = await runPyramid(['service', 'uninstall', '--platform', 'launchd'], env);
    assert.equal(uninstall.code, 0, uninstall.stderr);
    assert.deepEqual((await standIns.calls()).at(-1), [
      'launchctl',
      'bootout',
      `gui/${uid}/dev.pyramid.pyramid`,
    ]);
    assert.equal(existsSync(plistFile), false);
  });
});
