import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { offlinePyramidYaml } from '../cli/offline-pyramid-yaml.ts';
import { runPyramid } from '../cli/run-pyramid.ts';
import { compileCacheEnv } from '../compile-cache-env.ts';
import { createStandIns, type StandIns } from './service-stand-ins.ts';

const bin = fileURLToPath(new URL('../../bin/pyramid.js', import.meta.url));
const brokenYaml = 'providers:\n  x: { api: nope }\n';

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  deadlineMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const readLog = (home: string) => readFile(join(home, 'logs', 'pyramid.log'), 'utf8').catch(() => '');

describe('pyramid start under a service manager (PYRAMID_SERVICE)', () => {
  let dir: string;
  let user: string;
  let standIns: StandIns;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyramid-supervised-'));
    user = join(dir, 'user');
    await mkdir(user);
    standIns = await createStandIns(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const newHome = async (name: string, yaml: string) => {
    const home = join(dir, name);
    await mkdir(home);
    await writeFile(join(home, 'pyramid.yaml'), yaml);
    return home;
  };
  const envFor = (home: string, service: string) => ({
    ...compileCacheEnv(),
    PYRAMID_HOME: home,
    PYRAMID_SERVICE: service,
    HOME: user,
    PATH: `${standIns.bin}:${process.env.PATH}`,
  });

  test('launchd: an invalid config exits 0 (KeepAlive does not respawn it), says why in the log, and service status reports 78 with the problem', async () => {
    const home = await newHome('launchd-broken', brokenYaml);
    const run = await runPyramid(['start'], envFor(home, 'launchd'));
    assert.equal(run.code, 0, run.stderr);
    const log = await readLog(home);
    assert.match(log, /invalid config in/);
    assert.match(log, /exiting 0 instead of 78, so that launchd does not restart it/);
    await standIns.answer({
      launchctlPrint:
        'gui/501/dev.pyramid.pyramid = {\n\tstate = not running\n\truns = 3\n\tlast exit code = 0\n}\n',
    });
    // Both read the same answers: the two CLI children run side by side.
    const [status, human] = await Promise.all([
      runPyramid(['service', 'status', '--platform', 'launchd', '--json'], envFor(home, '')),
      runPyramid(['service', 'status', '--platform', 'launchd'], envFor(home, '')),
    ]);
    assert.equal(status.code, 1, 'not running: exit 1');
    const parsed = JSON.parse(status.stdout);
    assert.equal(parsed.loaded, true);
    assert.equal(parsed.running, false);
    assert.equal(parsed.restarts, 2);
    assert.equal(parsed.lastExit.code, 78);
    assert.equal(parsed.lastExit.reason, 'config_invalid');
    assert.match(parsed.lastExit.issues.join('\n'), /providers\.x\.api/);
    assert.match(human.stdout, /last exit: exit 78 \(config_invalid\)/);
    assert.match(human.stdout, /fix the config \(pyramid config validate\)/);
  });

  test('systemd: an invalid config exits 78 (RestartPreventExitStatus) and the log says why', async () => {
    const home = await newHome('systemd-broken', brokenYaml);
    const run = await runPyramid(['start'], envFor(home, 'systemd'));
    assert.equal(run.code, 78);
    assert.match(await readLog(home), /providers\.x\.api/);
    await standIns.answer({
      systemctlShow:
        'LoadState=loaded\nActiveState=failed\nSubState=failed\nResult=exit-code\nMainPID=0\nExecMainCode=1\nExecMainStatus=78\nNRestarts=0\n',
    });
    const status = JSON.parse(
      (await runPyramid(['service', 'status', '--platform', 'systemd', '--json'], envFor(home, ''))).stdout,
    );
    assert.equal(status.lastExit.code, 78);
    assert.equal(status.lastExit.reason, 'config_invalid');
    assert.equal(status.running, false);
  });

  test('launchd: after 5 failed starts within 10 minutes, a start gives up with exit 0, recorded as a success so the operator’s next start goes through', async () => {
    const home = await newHome('launchd-storm', offlinePyramidYaml());
    const now = Date.now();
    const exits = Array.from({ length: 5 }, (_, index) => ({
      at: now - 60_000 + index * 1000,
      pid: 1,
      code: 1,
      exitedWith: 1,
      reason: 'port_in_use',
    }));
    await writeFile(join(home, 'service-exits.json'), JSON.stringify({ exits }));
    const run = await runPyramid(['start', '--port', '0'], envFor(home, 'launchd'));
    assert.equal(run.code, 0);
    assert.match(await readLog(home), /the last 5 starts failed within 10 minutes: not starting again/);
    const recorded = JSON.parse(await readFile(join(home, 'service-exits.json'), 'utf8')).exits.at(-1);
    assert.equal(recorded.reason, 'start_limit');
    assert.equal(recorded.exitedWith, 0);
  });

  test('systemd: a running start logs to PYRAMID_HOME/logs; status shows pid, uptime, URL and restarts; service logs shows and follows the log', async () => {
    const home = await newHome('systemd-running', offlinePyramidYaml('gateway: { probeInterval: 1h }'));
    const child = spawn(process.execPath, [bin, 'start', '--port', '0'], {
      env: envFor(home, 'systemd'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let printed = '';
    child.stdout.on('data', (chunk) => (printed += chunk));
    child.stderr.on('data', (chunk) => (printed += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const url = await waitFor('the listening line in the log', async () => {
        const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"gateway listening"/.exec(
          await readLog(home),
        );
        return match?.[1];
      });
      assert.equal(printed, '', 'nothing goes to the manager’s stdout/stderr: it is all in the log');
      assert.equal(((await stat(join(home, 'logs', 'pyramid.log'))).mode & 0o777).toString(8), '600');
      await standIns.answer({
        systemctlShow: `LoadState=loaded\nActiveState=active\nSubState=running\nResult=success\nMainPID=${child.pid}\nExecMainCode=0\nExecMainStatus=0\nNRestarts=2\n`,
      });
      const [status, logs, more] = await Promise.all([
        runPyramid(['service', 'status', '--platform', 'systemd', '--json'], envFor(home, '')),
        runPyramid(['service', 'logs', '--lines', '2'], envFor(home, '')),
        runPyramid(['service', 'logs', '--lines', '50'], envFor(home, '')),
      ]);
      assert.equal(status.code, 0, status.stderr);
      const parsed = JSON.parse(status.stdout);
      assert.equal(parsed.running, true);
      assert.equal(parsed.pid, child.pid);
      assert.equal(parsed.url, url);
      assert.equal(typeof parsed.uptimeSeconds, 'number');
      assert.equal(parsed.restarts, 2);

      assert.equal(logs.code, 0, logs.stderr);
      assert.equal(logs.stdout.trim().split('\n').length, 2);
      // Its one model is offline: the "no model can answer" screen may follow the listening line.
      assert.match(more.stdout, /gateway listening/);

      const follow = spawn(process.execPath, [bin, 'service', 'logs', '-f', '--lines', '0'], {
        env: envFor(home, ''),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let followed = '';
      follow.stdout.on('data', (chunk) => (followed += chunk));
      const followExited = new Promise((resolve) => follow.on('close', resolve));
      // Once the follower runs, a SIGHUP makes the gateway log its reload, which the follower prints.
      await waitFor('the follower to print the reload', async () => {
        child.kill('SIGHUP');
        await sleep(300);
        return /config/.test(followed) ? true : undefined;
      });
      follow.kill('SIGINT');
      await followExited;
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    const recorded = JSON.parse(await readFile(join(home, 'service-exits.json'), 'utf8')).exits.at(-1);
    assert.equal(recorded.reason, 'stopped');
    assert.equal(recorded.code, 0);
    assert.ok((await readdir(join(home, 'logs'))).includes('pyramid.log'));
  });
});
