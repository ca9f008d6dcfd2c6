// npm run bench:soak: steady load through a real `pyramid start` while the store misbehaves: another
// process takes the write lock for 10 s every minute, and (as root, on a small tmpfs) the database's file
// system fills up once and frees again. Reports: the process alive throughout, the longest /health
// answer, the WAL size and the RSS over time, and whether every answered request is in the ledger.
// BENCH_SECONDS (default 600), BENCH_CONCURRENCY (default 8) and BENCH_LOCK_EVERY (default 60 s).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startFakeModelServer } from '../test/fakes/start-fake-model-server.ts';
import { adminToken, gatewayTestYaml } from '../test/gateway/start-test-gateway.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 600);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const lockEverySeconds = Number(process.env.BENCH_LOCK_EVERY ?? 60);
const lockSeconds = 10;
const bin = fileURLToPath(new URL('../bin/pyramid.js', import.meta.url));
const root = process.getuid?.() === 0;

const folder = await mkdtemp(join(tmpdir(), 'pyramid-soak-'));
const home = join(folder, 'home');
await mkdir(home);
if (root) execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1g', 'tmpfs', home]);
const local = await startFakeModelServer({ api: 'ollama' });
const cloud = await startFakeModelServer({ api: 'openai-completions' });
await writeFile(join(home, 'pyramid.yaml'), gatewayTestYaml(local, cloud));

const child: ChildProcess = spawn(process.execPath, [bin, 'start', '--port', '0'], {
  env: {
    PATH: process.env.PATH ?? '',
    HOME: home,
    PYRAMID_HOME: home,
    ADMIN_TOKEN: adminToken,
    CLIENT_TOKEN: 'pyr_unused_client_token_000000',
    CLOUD_KEY: 'sk-cloud-secret-value-123',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let output = '';
child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk.slice(-10_000)));
child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
let exitedEarly: number | null | undefined;
child.on('exit', (code) => {
  exitedEarly ??= code;
});
let url = '';
for (let waited = 0; !url; waited += 50) {
  url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
  if (waited > 30_000) throw new Error(`pyramid start did not listen:\n${output}`);
  await sleep(50);
}

const dbFile = join(home, 'pyramid.db');
const answered: string[] = [];
const statuses = new Map<number, number>();
let stopping = false;
const endAt = Date.now() + seconds * 1000;

async function client(): Promise<void> {
  while (!stopping) {
    try {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'soak' }] }),
      });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status === 200) answered.push(response.headers.get('x-pyramid-request-id') ?? '');
      else await sleep(50);
    } catch {
      statuses.set(0, (statuses.get(0) ?? 0) + 1);
      await sleep(50);
    }
  }
}

type Sample = { atS: number; walMb: number; rssMb: number; healthMs: number };
const samples: Sample[] = [];
let longestHealthMs = 0;
async function sampler(): Promise<void> {
  const t0 = Date.now();
  while (!stopping) {
    const before = performance.now();
    try {
      await (await fetch(`${url}/health`)).arrayBuffer();
    } catch {
      // Counted by the alive check.
    }
    const healthMs = performance.now() - before;
    longestHealthMs = Math.max(longestHealthMs, healthMs);
    const walMb = await stat(`${dbFile}-wal`).then(
      (info) => info.size / 2 ** 20,
      () => 0,
    );
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    const rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    samples.push({ atS: Math.round((Date.now() - t0) / 1000), walMb, rssMb, healthMs });
    await sleep(1000);
  }
}

const events: string[] = [];
async function faults(): Promise<void> {
  const t0 = Date.now();
  let filled = false;
  for (let minute = 1; Date.now() + lockSeconds * 1000 < endAt; minute++) {
    const lockAt = t0 + minute * lockEverySeconds * 1000 - (lockSeconds * 1000) / 2;
    while (Date.now() < lockAt && !stopping) await sleep(100);
    if (stopping) return;
    const other = new DatabaseSync(dbFile);
    other.exec('BEGIN IMMEDIATE');
    events.push(`${Math.round((Date.now() - t0) / 1000)} s: write lock taken for ${lockSeconds} s`);
    await sleep(lockSeconds * 1000);
    other.exec('COMMIT');
    other.close();
    if (root && !filled && minute === 2) {
      filled = true;
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${join(home, 'filler')}`, 'bs=1M'], { stdio: 'ignore' });
      } catch {
        // dd ends at ENOSPC, as intended.
      }
      events.push(`${Math.round((Date.now() - t0) / 1000)} s: file system full for 15 s`);
      await sleep(15_000);
      await rm(join(home, 'filler'));
    }
  }
}

const load = Array.from({ length: concurrency }, () => client());
const background = [sampler(), faults()];
while (Date.now() < endAt && exitedEarly === undefined) await sleep(200);
stopping = true;
await Promise.all([...load, ...background]);
const aliveThroughout = exitedEarly === undefined;
child.kill('SIGTERM');
const exitCode = await new Promise<number | null>((resolve) =>
  child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve),
);

const db = new DatabaseSync(dbFile);
const inLedger = db.prepare('SELECT 1 FROM requests WHERE request_id = ?');
const missing = answered.filter((id) => !inLedger.get(id)).length;
const integrity = (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check;
db.close();

const perMinute = new Map<number, Sample[]>();
for (const sample of samples) {
  const minute = Math.floor(sample.atS / 60);
  perMinute.set(minute, [...(perMinute.get(minute) ?? []), sample]);
}
const cpu = cpus()[0]?.model ?? 'unknown cpu';
console.log(
  `Machine: ${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
);
console.log(
  `${seconds} s, ${concurrency} concurrent clients, disk fill: ${root ? 'yes (tmpfs)' : 'skipped (not root)'}`,
);
for (const event of events) console.log(`  ${event}`);
console.log(
  `process alive throughout: ${aliveThroughout ? 'yes' : `NO (exit ${exitedEarly})`}; exit after SIGTERM: ${exitCode}`,
);
console.log(`longest /health answer: ${longestHealthMs.toFixed(1)} ms`);
console.log(
  `responses: ${[...statuses].map(([status, count]) => `${status === 0 ? 'refused' : status}: ${count}`).join(', ')}`,
);
console.log(
  `answered (200) requests: ${answered.length}; missing from the ledger: ${missing}; integrity_check: ${integrity}`,
);
console.log('| minute | WAL max (MB) | RSS max (MB) | /health max (ms) |');
console.log('| ---: | ---: | ---: | ---: |');
for (const [minute, list] of perMinute) {
  const max = (key: keyof Sample) => Math.max(...list.map((sample) => sample[key]));
  console.log(
    `| ${minute} | ${max('walMb').toFixed(1)} | ${max('rssMb').toFixed(0)} | ${max('healthMs').toFixed(1)} |`,
  );
}
await Promise.all([local.close(), cloud.close()]);
if (root) execFileSync('umount', ['-l', home]);
await rm(folder, { recursive: true, force: true });
