// npm run bench:scheduler: 1,000 agents and 10,000 jobs (each once a minute, spread over the seconds)
// in a real scheduler process against an instant fake model server; lag from slot to start, runs per
// minute, memory; then kill -9, restart, and the time to resume with slots lost or duplicated counted.
// BENCH_SECONDS (default 60) sets how long it runs before the kill.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { closeSqlite, openSqlite } from '../src/store/index.ts';
import { startFakeModelServer } from '../test/fakes/start-fake-model-server.ts';

const agents = 1000;
const jobs = 10_000;
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const child = fileURLToPath(new URL('../test/scheduler/fixtures/scheduler-child.ts', import.meta.url));

type Line = { ready?: boolean; interrupted?: number; startMs?: number; rssMb?: number };

function start(dbPath: string, baseUrl: string, onLine: (line: Line) => void): Promise<ChildProcess> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [child, dbPath, baseUrl, String(jobs), 'spread', String(agents)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffer = '';
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      for (let index = buffer.indexOf('\n'); index >= 0; index = buffer.indexOf('\n')) {
        const line = JSON.parse(buffer.slice(0, index)) as Line;
        buffer = buffer.slice(index + 1);
        onLine(line);
        if (line.ready) resolve(proc);
      }
    });
  });
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

const folder = await mkdtemp(join(tmpdir(), 'pyramid-sched-bench-'));
const dbPath = join(folder, 'pyramid.db');
const fake = await startFakeModelServer({ api: 'openai-completions' });
const rss: number[] = [];
try {
  const t0 = performance.now();
  const first = await start(dbPath, fake.baseUrl, (line) => line.rssMb && rss.push(line.rssMb));
  const firstStartMs = performance.now() - t0;
  await sleep(seconds * 1000);
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  const killedAt = Date.now();
  const db = openSqlite(dbPath);
  const finished = db
    .prepare("SELECT started_at - slot_time AS lag FROM runs WHERE status = 'ok' AND slot_time IS NOT NULL")
    .all() as { lag: number }[];
  const window = db
    .prepare(
      "SELECT MIN(started_at) AS a, MAX(finished_at) AS b, COUNT(*) AS n FROM runs WHERE status = 'ok'",
    )
    .get() as { a: number; b: number; n: number };
  const runsPerMinute = (window.n / Math.max(1, window.b - window.a)) * 60_000;

  await sleep(2000); // down for two seconds: about 330 slots fall in the gap
  const t1 = performance.now();
  let interrupted = 0;
  const second = await start(dbPath, fake.baseUrl, (line) => {
    if (line.ready) interrupted = line.interrupted ?? 0;
    if (line.rssMb) rss.push(line.rssMb);
  });
  const readyMs = performance.now() - t1;
  const restartedAt = Date.now();
  let firstRunMs = Number.NaN;
  for (;;) {
    const row = db
      .prepare('SELECT MIN(started_at) AS s FROM runs WHERE started_at >= ?')
      .get(restartedAt) as { s: number | null };
    if (row.s !== null) {
      firstRunMs = row.s - restartedAt + readyMs;
      break;
    }
    await sleep(5);
  }
  await sleep(15_000);
  second.kill('SIGTERM');
  await new Promise((resolve) => second.once('exit', resolve));

  const duplicated = (
    db
      .prepare(
        'SELECT COUNT(*) AS n FROM (SELECT job_id, slot_time FROM runs WHERE slot_time IS NOT NULL GROUP BY 1, 2 HAVING COUNT(*) > 1)',
      )
      .get() as { n: number }
  ).n;
  // Lost: a minute slot of a job with no run, outside the downtime (which catchUp once folds into one run).
  const slots = db
    .prepare('SELECT job_id, slot_time FROM runs WHERE slot_time IS NOT NULL ORDER BY job_id, slot_time')
    .all() as { job_id: string; slot_time: number }[];
  let lost = 0;
  let foldedIntoCatchUp = 0;
  for (let index = 1; index < slots.length; index++) {
    if (slots[index].job_id !== slots[index - 1].job_id) continue;
    const missing = Math.round((slots[index].slot_time - slots[index - 1].slot_time) / 60_000) - 1;
    if (missing <= 0) continue;
    if (slots[index - 1].slot_time < killedAt && slots[index].slot_time > killedAt)
      foldedIntoCatchUp += missing;
    else lost += missing;
  }
  const statuses = db.prepare('SELECT status, COUNT(*) AS n FROM runs GROUP BY 1 ORDER BY 1').all();
  const errors = db
    .prepare(
      'SELECT error, COUNT(*) AS n FROM runs WHERE error IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 3',
    )
    .all();
  closeSqlite(db);

  const result = {
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 1e9)} GB, Node ${process.versions.node}`,
    agents,
    jobs,
    secondsBeforeKill: seconds,
    startMs: Math.round(firstStartMs),
    lagMs: {
      p50: percentile(
        finished.map((row) => row.lag),
        50,
      ),
      p99: percentile(
        finished.map((row) => row.lag),
        99,
      ),
      runs: finished.length,
    },
    runsPerMinute: Math.round(runsPerMinute),
    maxRssMb: Math.round(Math.max(...rss, 0)),
    resume: { readyMs: Math.round(readyMs), firstRunMs: Math.round(firstRunMs), interrupted },
    slots: { duplicated, lost, foldedIntoCatchUp },
    statuses,
    errors,
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await fake.close();
  await rm(folder, { recursive: true, force: true });
}
