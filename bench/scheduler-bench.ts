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
  const stoppedAt = Date.now();
  second.kill('SIGTERM');
  await new Promise((resolve) => second.once('exit', resolve));

  // Lost and duplicated slots, counted against the slots the schedules imply (not against the rows
  // that exist, which would find none by construction): job i fires at second i % 60 of every minute,
  // from its creation to the SIGTERM (less a settle margin for the last tick). A slot is covered by the
  // run claimed for it; a missing slot before a catch-up run of its job was folded into it (catchUp
  // once); any other missing slot is lost. A slot with more than one row, or whose run and retries
  // (retry_of) finished ok more than once, is duplicated; model calls for a job beyond the runs that
  // started are executions the runs table does not account for.
  const settleMs = 2000;
  const created = new Map(
    (db.prepare('SELECT id, created_at FROM jobs').all() as { id: string; created_at: number }[]).map(
      (row) => [row.id, row.created_at],
    ),
  );
  type Row = {
    id: string;
    job_id: string;
    trigger: string;
    slot_time: number | null;
    status: string;
    started_at: number | null;
    retry_of: string | null;
  };
  const rows = db
    .prepare('SELECT id, job_id, trigger, slot_time, status, started_at, retry_of FROM runs')
    .all() as Row[];
  const byId = new Map(rows.map((row) => [row.id, row]));
  const rootOf = (row: Row): Row => {
    let current = row;
    for (let hops = 0; current.retry_of && byId.has(current.retry_of) && hops < 100; hops++)
      current = byId.get(current.retry_of) as Row;
    return current;
  };
  const chains = new Map<string, Row[]>(); // slot row id -> its rows (the slot's run and its retries)
  for (const row of rows) {
    const root = rootOf(row);
    if (root.slot_time === null) continue;
    chains.set(root.id, [...(chains.get(root.id) ?? []), row]);
  }
  const slotRows = new Map<string, Row[]>(); // "job slot" -> rows claimed for it
  for (const row of rows)
    if (row.slot_time !== null)
      slotRows.set(`${row.job_id} ${row.slot_time}`, [
        ...(slotRows.get(`${row.job_id} ${row.slot_time}`) ?? []),
        row,
      ]);
  let expected = 0;
  let lost = 0;
  let foldedIntoCatchUp = 0;
  let duplicated = 0;
  let reExecuted = 0;
  let offGrid = 0;
  let notFinished = 0;
  const lostExamples: string[] = [];
  const expectedUntil = stoppedAt - settleMs;
  for (let index = 0; index < jobs; index++) {
    const job = `job${index}`;
    const createdAt = created.get(job) ?? Number.POSITIVE_INFINITY;
    const offset = (index % 60) * 1000;
    const claimed = rows
      .filter((row) => row.job_id === job && row.slot_time !== null)
      .sort((a, b) => (a.slot_time as number) - (b.slot_time as number));
    offGrid += claimed.filter((row) => ((row.slot_time as number) - offset) % 60_000 !== 0).length;
    for (
      let slot = Math.ceil((createdAt - offset) / 60_000) * 60_000 + offset;
      slot <= expectedUntil;
      slot += 60_000
    ) {
      expected++;
      const here = slotRows.get(`${job} ${slot}`) ?? [];
      if (here.length > 1) duplicated++;
      if (here.length > 0) {
        const chain = chains.get(here[0].id) ?? here;
        const ok = chain.filter((row) => row.status === 'ok').length;
        if (ok > 1 && here.length === 1) duplicated++;
        if (chain.filter((row) => row.started_at !== null).length > 1) reExecuted++;
        if (!chain.some((row) => ['ok', 'error', 'timeout', 'skipped'].includes(row.status))) notFinished++;
        continue;
      }
      const nextClaim = claimed.find((row) => (row.slot_time as number) > slot);
      if (nextClaim?.trigger === 'catch-up') foldedIntoCatchUp++;
      else {
        lost++;
        if (lostExamples.length < 3) lostExamples.push(`${job} @ ${new Date(slot).toISOString()}`);
      }
    }
  }
  const callsByJob = new Map<string, number>();
  for (const request of fake.requests) {
    const job = /run (job\d+)/.exec(JSON.stringify(request.body))?.[1];
    if (job) callsByJob.set(job, (callsByJob.get(job) ?? 0) + 1);
  }
  const startedByJob = new Map<string, number>();
  for (const row of rows)
    if (row.started_at !== null) startedByJob.set(row.job_id, (startedByJob.get(row.job_id) ?? 0) + 1);
  let unaccountedCalls = 0;
  for (const [job, calls] of callsByJob)
    unaccountedCalls += Math.max(0, calls - (startedByJob.get(job) ?? 0));
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
    resume: {
      downMs: restartedAt - killedAt,
      readyMs: Math.round(readyMs),
      firstRunMs: Math.round(firstRunMs),
      interrupted,
    },
    slots: {
      expected,
      lost,
      duplicated,
      foldedIntoCatchUp,
      reExecutedAfterInterrupt: reExecuted,
      claimedNotFinished: notFinished,
      offGrid,
      unaccountedModelCalls: unaccountedCalls,
      lostExamples,
    },
    statuses,
    errors,
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await fake.close();
  await rm(folder, { recursive: true, force: true });
}
