// Store faults through a real `pyramid start`: another connection holding the write lock, the database
// deleted under it, a lock held at start, and (as root) a full file system.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { runPyramid } from '../cli/run-pyramid.ts';
import { waitFor } from '../delivery/wait-for.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { type Started, startPyramid } from './start-pyramid-process.ts';
import { adminToken, gatewayTestYaml } from './start-test-gateway.ts';

const env = (home: string) => ({
  PYRAMID_HOME: home,
  ADMIN_TOKEN: adminToken,
  CLIENT_TOKEN: 'pyr_unused_client_token_000000',
  CLOUD_KEY: 'sk-cloud-secret-value-123',
});

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${adminToken}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Polls `url` until `check` holds (a guard against a hang, never a speed check: the machine may be busy). */
async function pollUntil(
  url: string,
  check: (answer: { status: number; body: Record<string, unknown> }) => boolean,
) {
  let last: unknown;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await getJson(url);
    last = answer;
    if (check(answer)) return answer;
    if (Date.now() > deadline)
      throw new Error(`gave up after 60 s waiting on ${url}; last answer ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A wrapper that runs a command on the first CPU this process may use (none where taskset is missing). */
function oneCpu(): string[] {
  try {
    const allowed = /Cpus_allowed_list:\s*(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (allowed && existsSync('/usr/bin/taskset')) return ['/usr/bin/taskset', '-c', allowed[1]];
  } catch {
    // No /proc: not Linux.
  }
  return [];
}

function chat(url: string, text: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: text }] }),
  });
}

describe('store faults under pyramid start', () => {
  let root: string;
  let local: FakeModelServer;
  let cloud: FakeModelServer;
  const children: Started[] = [];

  const home = async (name: string) => {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'pyramid.yaml'), gatewayTestYaml(local, cloud));
    return dir;
  };
  const start = async (dir: string) => {
    const started = await startPyramid(env(dir));
    children.push(started);
    return started;
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'pyramid-store-faults-'));
    [local, cloud] = await Promise.all([
      startFakeModelServer({ api: 'ollama' }),
      startFakeModelServer({ api: 'openai-completions' }),
    ]);
  });
  after(async () => {
    for (const started of children) started.child.kill('SIGKILL');
    await Promise.all([local.close(), cloud.close()]);
    await rm(root, { recursive: true, force: true });
  });

  test('a write lock held by another process: liveness answers throughout, requests get 503 store_busy, readiness says why, and everything resumes with nothing lost', async () => {
    const dir = await home('locked');
    const started = await start(dir);
    const other = new DatabaseSync(join(dir, 'pyramid.db'));
    other.exec('BEGIN IMMEDIATE');
    try {
      // /health never touches the store: it answers while the lock is held.
      const health = await getJson(`${started.url}/health`);
      assert.equal(health.status, 200);
      const response = await chat(started.url, 'while locked');
      assert.equal(response.status, 503);
      assert.ok(Number(response.headers.get('retry-after')) > 0, 'Retry-After');
      const body = (await response.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'store_busy');
      const requestId = response.headers.get('x-pyramid-request-id')!;
      const ready = await pollUntil(`${started.url}/health/ready`, (answer) => answer.status === 503);
      assert.equal(ready.body.status, 'store_degraded');
      assert.match(String(ready.body.reason), /locked/);
      assert.equal((await getJson(`${started.url}/health`)).status, 200);
      other.exec('COMMIT');
      await pollUntil(`${started.url}/health/ready`, (answer) => answer.status === 200);
      // The answered request's row, refused while locked, was written once the lock was gone.
      await pollUntil(`${started.url}/api/requests/${requestId}`, (answer) => answer.status === 200);
      assert.equal((await chat(started.url, 'after the lock')).status, 200);
      assert.equal(started.child.exitCode, null, 'the process is alive');
      assert.doesNotMatch(started.output(), /internal error|uncaught/i);
    } finally {
      if (other.isTransaction) other.exec('ROLLBACK');
      other.close();
      started.child.kill('SIGTERM');
      assert.equal(await started.exited, 0);
    }
  });

  test('pyramid.db deleted under load right after the start: nothing re-creates it, readiness fails within seconds and the log says it was deleted and what to do', async () => {
    const dir = await home('deleted');
    // On one CPU, as on a loaded machine: the requests in flight keep the start's threads from booting.
    const started = await startPyramid(env(dir), [], oneCpu());
    children.push(started);
    try {
      // Deleted as soon as the gateway listens, then requests: the start's threads are still booting. The
      // WAL checkpoint thread used to open the database by path then, which created a new pyramid.db, and
      // the deletion was reported as a replacement by another file.
      await rm(join(dir, 'pyramid.db'));
      const answered = await Promise.all(
        Array.from({ length: 16 }, (_, index) => chat(started.url, `during ${index}`)),
      );
      const ready = await pollUntil(`${started.url}/health/ready`, (answer) => answer.status === 503);
      assert.equal(ready.body.status, 'store_gone');
      const response = await chat(started.url, 'after');
      assert.equal(response.status, 503, 'no 200 for a request whose row would vanish');
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'store_gone');
      await waitFor(() => /database file is gone/.test(started.output()), 60_000, 'the log line');
      assert.match(started.output(), /was deleted while Pyramid was running.*cp \/proc\/\d+\/fd\/\d+/);
      assert.equal(existsSync(join(dir, 'pyramid.db')), false, 'nothing re-created pyramid.db');
      // Requests answered before the watcher looked went to the unlinked file, which the advice rescues.
      for (const answer of answered) assert.ok([200, 503].includes(answer.status), `status ${answer.status}`);
    } finally {
      started.child.kill('SIGTERM');
      await started.exited;
    }
  });

  test('a start that fails after listening exits non-zero naming the first error, instead of staying half-started', async () => {
    const dir = await home('start-locked');
    // Create the schema first, then hold the write lock while pyramid start runs.
    assert.equal((await runPyramid(['jobs', 'list'], env(dir))).code, 0);
    const other = new DatabaseSync(join(dir, 'pyramid.db'));
    other.exec('BEGIN IMMEDIATE');
    try {
      const { code, stderr, stdout } = await runPyramid(['start', '--port', '0'], env(dir));
      assert.notEqual(code, 0);
      assert.match(stderr, /error: .*database is locked/);
      assert.doesNotMatch(stderr + stdout, /internal error/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  const root0 = process.getuid?.() === 0;
  test('a full file system: requests get 503 store_full, the process keeps serving, and everything resumes when space is freed', {
    skip: root0 ? false : 'needs root to mount a small tmpfs',
  }, async () => {
    const mount = join(root, 'small');
    await mkdir(mount, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount]);
    try {
      await writeFile(join(mount, 'pyramid.yaml'), gatewayTestYaml(local, cloud));
      const started = await start(mount);
      try {
        assert.equal((await chat(started.url, 'before')).status, 200);
        // Fill what is left (dd stops at ENOSPC).
        try {
          execFileSync('dd', ['if=/dev/zero', `of=${join(mount, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
        } catch {
          // dd exits 1 at ENOSPC, as intended.
        }
        let failed: Response | undefined;
        for (let attempt = 0; attempt < 50 && !failed; attempt++) {
          const response = await chat(started.url, `full ${attempt} ${'x'.repeat(2000)}`);
          if (response.status !== 200) failed = response;
        }
        assert.ok(failed, 'a request fails once the disk is full');
        assert.equal(failed.status, 503);
        assert.match(((await failed.json()) as { error: { code: string } }).error.code, /store_(full|io)/);
        assert.equal((await getJson(`${started.url}/health`)).status, 200);
        await rm(join(mount, 'filler'));
        await pollUntil(`${started.url}/health/ready`, (answer) => answer.status === 200);
        assert.equal((await chat(started.url, 'after')).status, 200);
        assert.equal(started.child.exitCode, null, 'alive throughout');
      } finally {
        started.child.kill('SIGTERM');
        await started.exited;
      }
    } finally {
      execFileSync('umount', ['-l', mount]);
    }
  });
});
