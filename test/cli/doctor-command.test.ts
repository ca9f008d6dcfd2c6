import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { createStandIns, type StandIns } from '../service/service-stand-ins.ts';
import { runPyramid } from './run-pyramid.ts';

type Check = { name: string; status: 'ok' | 'warn' | 'fail'; detail: string; fix?: string };

/** Every file under `dir` with its size, mode, mtime and content: doctor must leave all of it as it was. */
async function snapshot(dir: string): Promise<string> {
  const entries: string[] = [];
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    const path = join(dir, name);
    const info = await stat(path);
    const content = info.isFile()
      ? createHash('sha256')
          .update(await readFile(path))
          .digest('hex')
      : '';
    entries.push(`${name} ${info.size} ${info.mode} ${info.mtimeMs} ${content}`);
  }
  return entries.join('\n');
}

describe('pyramid doctor', () => {
  let dir: string;
  let home: string;
  let ollama: FakeModelServer;
  let cloud: FakeModelServer;
  let standIns: StandIns;
  let env: Record<string, string>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyramid-doctor-'));
    home = join(dir, 'home');
    await mkdir(home, { mode: 0o700 });
    ollama = await startFakeModelServer({ api: 'ollama' });
    cloud = await startFakeModelServer({ api: 'openai-completions' });
    standIns = await createStandIns(dir);
    await writeFile(
      join(home, 'pyramid.yaml'),
      `
providers:
  local: { api: ollama, baseUrl: "${ollama.baseUrl}" }
  cloud: { api: openai-completions, baseUrl: "${cloud.baseUrl}", apiKey: "env:CLOUD_KEY" }
models:
  qwen: { provider: local, id: "fake-model", reasoning: true, minOutputTokens: 256, cost: { input: 0, output: 0 } }
  big: { provider: cloud, id: "fake-model", cost: { input: 1, output: 2 } }
tiers:
  - [qwen]
  - [big]
gateway: { probeInterval: 1h }
`,
      { mode: 0o600 },
    );
    await writeFile(join(home, 'env'), 'CLOUD_KEY=sk-doctor-secret\n', { mode: 0o600 });
    // A database, as a platform that ran once leaves it.
    const jobs = await runPyramid(['jobs', 'list'], { PYRAMID_HOME: home });
    assert.equal(jobs.code, 0, jobs.stderr);
    env = { PYRAMID_HOME: home, HOME: join(dir, 'user'), PATH: `${standIns.bin}:${process.env.PATH}` };
  });
  after(async () => {
    await Promise.all([ollama.close(), cloud.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  const doctor = async (args: string[] = []) => {
    const run = await runPyramid(['doctor', '--json', ...args], env);
    const parsed = JSON.parse(run.stdout) as { ok: boolean; checks: Check[] };
    const byName = (name: string) => {
      const check = parsed.checks.find((entry) => entry.name === name);
      assert.ok(check, `no check named ${name} in ${parsed.checks.map((entry) => entry.name).join(', ')}`);
      return check;
    };
    return { run, parsed, byName };
  };

  test('a healthy home: every check ok or warn, exit 0, and nothing in PYRAMID_HOME changed', async () => {
    const before = await snapshot(home);
    const { run, parsed, byName } = await doctor();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(parsed.ok, true);
    assert.equal(byName('node').status, 'ok');
    assert.equal(byName('config').status, 'ok');
    assert.equal(byName('env file permissions').status, 'ok');
    assert.equal(byName('pyramid.db permissions').status, 'ok');
    assert.match(byName('provider local').detail, /reachable, key accepted/);
    assert.equal(byName('provider cloud').status, 'ok');
    assert.equal(byName('tier 0').status, 'ok');
    const floor = byName('model qwen token floor');
    assert.equal(floor.status, 'warn');
    assert.match(floor.fix ?? '', /minOutputTokens to 1024/);
    assert.equal(byName('store quick_check').status, 'ok');
    assert.match(byName('store size').detail, /database \d+\.\d MiB, WAL/);
    assert.equal(byName('gateway').detail, 'not running');
    assert.equal(byName('service').status, 'warn');
    assert.equal(byName('jobs').status, 'ok');
    assert.doesNotMatch(run.stdout, /sk-doctor-secret/);
    assert.deepEqual(
      (await snapshot(home)).split('\n'),
      before.split('\n'),
      'doctor changed a file in PYRAMID_HOME',
    );
  });

  test('--deep sends one tiny prompt to every model', async () => {
    const requestsBefore = ollama.requests.length + cloud.requests.length;
    const { run, byName } = await doctor(['--deep']);
    assert.equal(run.code, 0, run.stdout);
    assert.equal(byName('model qwen').status, 'ok');
    assert.equal(byName('model big').status, 'ok');
    // The probes (2) and one prompt per model (2).
    assert.equal(ollama.requests.length + cloud.requests.length - requestsBefore, 4);
  });

  test('a down tier 0 (with the cloud-only cost), a refused key and a group-readable env file: fail and warn with fixes, exit 1', async () => {
    ollama.setDefault({ status: 503 });
    try {
      const down = await doctor();
      assert.equal(down.run.code, 1);
      assert.equal(down.byName('provider local').status, 'fail');
      const tierZero = down.byName('tier 0');
      assert.equal(tierZero.status, 'warn');
      assert.match(
        tierZero.detail,
        /every request goes to the cloud, at least \$1\.60 per 1,000 requests \(big/,
      );
      assert.match(tierZero.fix ?? '', /start Ollama and pull qwen3:14b/);

      cloud.setDefault({ status: 401 });
      const refused = await doctor();
      assert.match(refused.byName('provider cloud').detail, /^key refused/);
      assert.match(refused.byName('provider cloud').fix ?? '', /check the API key/);

      await chmod(join(home, 'env'), 0o640);
      const { run, parsed, byName } = await doctor();
      assert.equal(run.code, 1);
      assert.equal(parsed.ok, false);
      const envCheck = byName('env file permissions');
      assert.equal(envCheck.status, 'fail');
      assert.match(envCheck.fix ?? '', /chmod 600 .*env/);
      const human = await runPyramid(['doctor'], env);
      assert.match(human.stdout, /^fail {2}env file permissions: /m);
      assert.match(human.stdout, /^ {6}fix: chmod 600/m);
      assert.match(human.stdout, /\d+ ok, \d+ warn, \d+ fail\n$/);
      assert.doesNotMatch(run.stdout + human.stdout + refused.run.stdout, /sk-doctor-secret/);
    } finally {
      await chmod(join(home, 'env'), 0o600);
      ollama.setDefault({});
      cloud.setDefault({});
    }
  });
});
