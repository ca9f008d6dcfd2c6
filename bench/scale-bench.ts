// npm run bench:scale: several `pyramid start` processes on one PostgreSQL store (issue 13), real child
// processes on a throwaway cluster (test/store/postgres/start-postgres-cluster.ts).
// 1. Gateways: 1, 2 and 3 processes on one database, and the SQLite baseline (1 process), under the same
//    load: BENCH_CONCURRENCY clients (default 32) over keep-alive connections, spread round-robin over
//    the processes, for BENCH_SECONDS each (default 15), against the fake OpenAI-compatible server of
//    test/fakes in a process of its own (instant answers). Throughput, p50/p99, errors; afterwards every
//    answered request id (x-pyramid-request-id) is looked up in the ledger.
// 2. Schedulers: 3 processes on one database with BENCH_JOBS jobs (default 10,000; job i once a minute at
//    second i % 60, 100 agents, instant fake model), one killed with kill -9 BENCH_KILL_AT seconds into
//    a minute (default 30) once all run, the others stopped BENCH_AFTER_KILL seconds later (default 45,
//    past the 5 s lease and into the next minute). Lag (start minus slot), and slots lost (due but no run)
//    and duplicated (two rows for a slot, two ok runs in one slot's retry chain, or more model calls for
//    a job than runs started), counted from the runs table against the slots the schedules imply.
// BENCH_PARTS=gateway,scheduler picks parts; BENCH_RESULTS=0 prints only (bench/RESULTS.md untouched).
// A timing is never a pass/fail test: this prints and records, it asserts nothing.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { closeSqlite, openSqlite } from '../src/store/index.ts';
import { startFakeModelServer } from '../test/fakes/start-fake-model-server.ts';
import type { Started } from '../test/gateway/start-pyramid-process.ts';
import {
  type PostgresCluster,
  postgresUnavailable,
  startPostgresCluster,
} from '../test/store/postgres/start-postgres-cluster.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const jobCount = Number(process.env.BENCH_JOBS ?? 10_000);
const agentCount = 100;
const killAtSecond = Number(process.env.BENCH_KILL_AT ?? 30);
const afterKillSeconds = Number(process.env.BENCH_AFTER_KILL ?? 45);
const parts = new Set((process.env.BENCH_PARTS ?? 'gateway,scheduler').split(','));
const writeResults = process.env.BENCH_RESULTS !== '0';
const token = 'pyr_bench_token_0123456789abcdefghij';
const results = fileURLToPath(new URL('RESULTS.md', import.meta.url));
const bin = fileURLToPath(new URL('../bin/pyramid.js', import.meta.url));

// The upstream in a process of its own, so that its CPU is not the load generator's.
if (process.argv[2] === '--upstream') {
  const fake = await startFakeModelServer({ api: 'openai-completions' });
  fake.setDefault({ text: 'Hello from the fake.' });
  // It records every request; the bench needs none of them.
  setInterval(() => fake.requests.splice(0), 1000);
  process.stdout.write(`upstream ${fake.baseUrl}\n`);
  await new Promise(() => {});
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const ms = (value: number) => (Number.isNaN(value) ? '—' : value.toFixed(1));

/** User + system CPU time of a process in ms, from /proc (Linux); 0 elsewhere. */
async function cpuMs(pid: number | undefined): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime, fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
const cpuOf = async (started: Started[]) =>
  (await Promise.all(started.map((child) => cpuMs(child.child.pid)))).reduce((a, b) => a + b, 0);

/** CPU ms of the PostgreSQL backends serving `database` (their title names it: `postgres: user db ...`). */
async function backendCpuMs(database: string | undefined): Promise<number> {
  if (!database) return 0;
  let total = 0;
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const title = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (title.startsWith('postgres: ') && title.split(' ')[2] === database) total += await cpuMs(Number(pid));
  }
  return total;
}

const homes: string[] = [];
const children: Started[] = [];
async function startOne(yaml: string, env: Record<string, string> = {}): Promise<Started> {
  const home = await mkdtemp(join(tmpdir(), 'pyramid-scale-bench-'));
  homes.push(home);
  await writeFile(join(home, 'pyramid.yaml'), yaml);
  const child = spawn(process.execPath, [bin, 'start', '--port', '0'], {
    env: { PATH: process.env.PATH ?? '', HOME: home, PYRAMID_HOME: home, BENCH_TOKEN: token, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The last 64 KiB it printed, for an error; its logs are otherwise not kept.
  let output = '';
  const keep = (chunk: string) => (output = (output + chunk).slice(-65_536));
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const started: Started = { child, url: '', output: () => output, exited };
  children.push(started);
  // Generous: on a loaded machine a start with 10,000 jobs to reconcile takes a while.
  const deadline = Date.now() + 180_000;
  for (;;) {
    const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    if (match) return { ...started, url: match[1] };
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`pyramid start did not listen:\n${output.slice(-4000)}`);
    await sleep(50);
  }
}
async function stopAll(started: Started[]): Promise<(number | null)[]> {
  for (const child of started) if (child.child.exitCode === null) child.child.kill('SIGTERM');
  return Promise.all(started.map((child) => child.exited));
}

type LoadResult = {
  answered: number;
  errors: number;
  seconds: number;
  latencies: number[];
  ids: string[];
  errorKinds: Map<string, number>;
};

/** `concurrency` clients, client i on process i % n, each sending one request after another until the deadline. */
async function load(urls: string[], durationS: number): Promise<LoadResult> {
  const agents = urls.map(() => new Agent({ keepAlive: true, maxSockets: concurrency }));
  const body = JSON.stringify({
    model: 'auto',
    messages: [{ role: 'user', content: 'Say hello.' }],
    max_tokens: 64,
  });
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    authorization: `Bearer ${token}`,
  };
  const result: LoadResult = {
    answered: 0,
    errors: 0,
    seconds: 0,
    latencies: [],
    ids: [],
    errorKinds: new Map(),
  };
  const fail = (kind: string) => {
    result.errors++;
    result.errorKinds.set(kind, (result.errorKinds.get(kind) ?? 0) + 1);
  };
  const one = (index: number) =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const request = httpRequest(
        new URL('/v1/chat/completions', urls[index]),
        { method: 'POST', agent: agents[index], headers },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode === 200) {
              result.answered++;
              result.latencies.push(performance.now() - started);
              const id = response.headers['x-pyramid-request-id'];
              if (typeof id === 'string') result.ids.push(id);
            } else fail(`HTTP ${response.statusCode}`);
            resolve();
          });
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) => {
        fail(error.code ?? error.message);
        resolve();
      });
      request.end(body);
    });
  const started = performance.now();
  const deadline = started + durationS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      while (performance.now() < deadline) await one(client % urls.length);
    }),
  );
  result.seconds = (performance.now() - started) / 1000;
  for (const agent of agents) agent.destroy();
  return result;
}

type GatewayRow = {
  setup: string;
  processes: number;
  result: LoadResult;
  inLedger: number;
  /** CPU ms per answered request, summed over the Pyramid processes (not PostgreSQL's). */
  cpuPerRequest: number;
  /** CPU ms per answered request of the PostgreSQL backends serving the database (0 on SQLite). */
  dbCpuPerRequest: number;
  exitCodes: (number | null)[];
};

function gatewayYaml(upstream: string, store: string): string {
  return `providers:
  upstream: { api: openai-completions, baseUrl: "${upstream}", apiKey: test }
models:
  m0: { provider: upstream, id: m0, cost: { input: 0.3, output: 2.5 } }
tiers: [[m0]]
gateway:
  auth:
    tokens: [{ name: bench, token: "env:BENCH_TOKEN", scopes: [client] }]
${store}`;
}

async function gatewayPart(cluster: PostgresCluster | undefined): Promise<GatewayRow[]> {
  const upstreamChild: ChildProcess = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), '--upstream'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const upstream = await new Promise<string>((resolve, reject) => {
      let output = '';
      upstreamChild.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        const match = /upstream (\S+)/.exec(output);
        if (match) resolve(match[1]);
      });
      upstreamChild.on('exit', (code) => reject(new Error(`the fake upstream exited ${code}`)));
    });
    const rows: GatewayRow[] = [];
    const setups: { setup: string; processes: number }[] = [
      { setup: 'SQLite', processes: 1 },
      ...(cluster ? [1, 2, 3].map((processes) => ({ setup: 'PostgreSQL', processes })) : []),
    ];
    for (const { setup, processes } of setups) {
      const url = setup === 'PostgreSQL' ? await (cluster as PostgresCluster).createDatabase() : undefined;
      const store = url ? 'store: { kind: postgres, url: env:DATABASE_URL }\n' : '';
      const started: Started[] = [];
      for (let index = 0; index < processes; index++)
        started.push(await startOne(gatewayYaml(upstream, store), url ? { DATABASE_URL: url } : {}));
      const urls = started.map((child) => child.url);
      await load(urls, Math.min(3, seconds)); // warm-up: connections, JIT, the pools
      console.error(`gateway: ${setup} × ${processes}: ${seconds} s at ${concurrency} concurrent`);
      const database = url ? new URL(url).pathname.slice(1) : undefined;
      const cpuBefore = await cpuOf(started);
      const dbCpuBefore = await backendCpuMs(database);
      const result = await load(urls, seconds);
      const cpuPerRequest = ((await cpuOf(started)) - cpuBefore) / Math.max(1, result.answered);
      const dbCpuPerRequest = ((await backendCpuMs(database)) - dbCpuBefore) / Math.max(1, result.answered);
      const exitCodes = await stopAll(started);
      // Every answered request is in the ledger (the response waits for its commit), whichever process.
      const ids = result.ids;
      let inLedger = 0;
      if (url) {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          const found = await client.query<{ n: string }>(
            'SELECT COUNT(*) AS n FROM requests WHERE request_id = ANY($1::text[])',
            [ids],
          );
          inLedger = Number(found.rows[0].n);
        } finally {
          await client.end();
        }
      } else {
        const home = homes[homes.length - 1];
        const db = openSqlite(join(home, 'pyramid.db'));
        const exists = db.prepare('SELECT 1 FROM requests WHERE request_id = ?');
        for (const id of ids) if (exists.get(id)) inLedger++;
        closeSqlite(db);
      }
      rows.push({ setup, processes, result, inLedger, cpuPerRequest, dbCpuPerRequest, exitCodes });
      console.error(
        `  ${Math.round(result.answered / result.seconds)} answered/s, ${result.errors} errors, ${inLedger} of ${ids.length} ids in the ledger`,
      );
    }
    return rows;
  } finally {
    upstreamChild.kill('SIGTERM');
  }
}

type SchedulerResult = {
  jobs: number;
  expected: number;
  runs: number;
  lag: { p50: number; p99: number; max: number; count: number };
  lagAfterKill: { p50: number; p99: number; count: number };
  lost: number;
  lostExamples: string[];
  duplicated: number;
  reExecuted: number;
  notFinished: number;
  unaccountedCalls: number;
  interrupted: number;
  retriesOk: number;
  byProcess: Record<string, number>;
  statuses: Record<string, number>;
  windowS: number;
  readyS: number;
  killedAtSecond: number;
  exitCodes: (number | null)[];
};

async function schedulerPart(cluster: PostgresCluster): Promise<SchedulerResult> {
  const fake = await startFakeModelServer({ api: 'openai-completions' });
  fake.setDefault({ text: 'done' });
  // Model calls by job (the message names the job); the recorded requests themselves are dropped.
  const callsByJob = new Map<string, number>();
  const count = setInterval(() => {
    for (const request of fake.requests.splice(0)) {
      const job = /run (job\d+)/.exec(JSON.stringify(request.body))?.[1];
      if (job) callsByJob.set(job, (callsByJob.get(job) ?? 0) + 1);
    }
  }, 200);
  const url = await cluster.createDatabase();
  const agents = Array.from({ length: agentCount }, (_, index) => `  - { id: a${index}, prompt: "Work." }`);
  const jobs = Array.from(
    { length: jobCount },
    (_, index) =>
      `  - { id: job${index}, agent: a${index % agentCount}, schedule: { cron: "${index % 60} * * * * *" }, payload: { kind: agentTurn, message: "run job${index}" }, retries: 1, backoff: 1s }`,
  );
  const yaml = `providers:
  fake: { api: openai-completions, baseUrl: "${fake.baseUrl}", apiKey: test }
models:
  m0: { provider: fake, id: m0, cost: { input: 0, output: 0 } }
tiers: [[m0]]
agents:
${agents.join('\n')}
jobs:
${jobs.join('\n')}
concurrency: { agents: 64 }
scheduler: { minInterval: 1s }
store: { kind: postgres, url: env:DATABASE_URL, lease: 5s, pool: { max: 10 } }
`;
  const db = new pg.Client({ connectionString: url });
  try {
    const t0 = performance.now();
    // One after another: the first creates the 10,000 jobs, the others find them.
    const started: Started[] = [];
    for (let index = 0; index < 3; index++) started.push(await startOne(yaml, { DATABASE_URL: url }));
    const readyS = (performance.now() - t0) / 1000;
    const allUpAt = Date.now();
    await db.connect();
    console.error(`scheduler: 3 processes up in ${readyS.toFixed(1)} s; ${jobCount} jobs`);
    // Kill one `killAtSecond` into the first minute that starts at least 15 s after all are up.
    const minuteStart = Math.ceil((allUpAt + 15_000 - killAtSecond * 1000) / 60_000) * 60_000;
    const killAt = minuteStart + killAtSecond * 1000;
    await sleep(killAt - Date.now());
    const victim = started[0];
    victim.child.kill('SIGKILL');
    await victim.exited;
    const killedAt = Date.now();
    const killedAtSecond = (killedAt % 60_000) / 1000;
    console.error(`scheduler: killed pid ${victim.child.pid} at second ${killedAtSecond.toFixed(1)}`);
    await sleep(afterKillSeconds * 1000);
    const stoppedAt = Date.now();
    const exitCodes = await stopAll(started.slice(1));
    await sleep(500);
    clearInterval(count);
    for (const request of fake.requests.splice(0)) {
      const job = /run (job\d+)/.exec(JSON.stringify(request.body))?.[1];
      if (job) callsByJob.set(job, (callsByJob.get(job) ?? 0) + 1);
    }

    type Row = {
      id: string;
      job_id: string;
      trigger: string;
      slot_time: string | null;
      status: string;
      started_at: string | null;
      retry_of: string | null;
      lease_owner: string | null;
    };
    const rows = (
      await db.query<Row>(
        'SELECT id, job_id, trigger, slot_time, status, started_at, retry_of, lease_owner FROM runs',
      )
    ).rows;
    const byId = new Map(rows.map((row) => [row.id, row]));
    const rootOf = (row: Row): Row => {
      let current = row;
      for (let hops = 0; current.retry_of && byId.has(current.retry_of) && hops < 100; hops++)
        current = byId.get(current.retry_of) as Row;
      return current;
    };
    const chains = new Map<string, Row[]>(); // a slot's run id -> it and its retries
    for (const row of rows) {
      const root = rootOf(row);
      if (root.slot_time !== null) chains.set(root.id, [...(chains.get(root.id) ?? []), row]);
    }
    const slotRows = new Map<string, Row[]>(); // "job slot" -> the rows claimed for it
    for (const row of rows)
      if (row.slot_time !== null) {
        const key = `${row.job_id} ${row.slot_time}`;
        slotRows.set(key, [...(slotRows.get(key) ?? []), row]);
      }
    // The slots due: every job's second of every minute from all-up (plus a second) to the stop (less
    // 5 s, so a slot at the very end is not counted against a process that is stopping).
    const from = allUpAt + 1000;
    const until = stoppedAt - 5000;
    let expected = 0;
    let lost = 0;
    let duplicated = 0;
    let reExecuted = 0;
    let notFinished = 0;
    const lostExamples: string[] = [];
    const lags: number[] = [];
    const lagsAfterKill: number[] = [];
    for (let index = 0; index < jobCount; index++) {
      const job = `job${index}`;
      const offset = (index % 60) * 1000;
      for (let slot = Math.ceil((from - offset) / 60_000) * 60_000 + offset; slot <= until; slot += 60_000) {
        expected++;
        const here = slotRows.get(`${job} ${slot}`) ?? [];
        if (here.length === 0) {
          lost++;
          if (lostExamples.length < 3) lostExamples.push(`${job} @ ${new Date(slot).toISOString()}`);
          continue;
        }
        if (here.length > 1) duplicated++;
        const chain = chains.get(here[0].id) ?? here;
        if (chain.filter((row) => row.status === 'ok').length > 1) duplicated++;
        if (chain.filter((row) => row.started_at !== null).length > 1) reExecuted++;
        if (!chain.some((row) => ['ok', 'error', 'timeout', 'skipped'].includes(row.status))) notFinished++;
        if (here[0].started_at !== null) {
          const lag = Number(here[0].started_at) - slot;
          lags.push(lag);
          if (slot >= killedAt) lagsAfterKill.push(lag);
        }
      }
    }
    const startedByJob = new Map<string, number>();
    for (const row of rows)
      if (row.started_at !== null) startedByJob.set(row.job_id, (startedByJob.get(row.job_id) ?? 0) + 1);
    let unaccountedCalls = 0;
    for (const [job, calls] of callsByJob)
      unaccountedCalls += Math.max(0, calls - (startedByJob.get(job) ?? 0));
    const statuses: Record<string, number> = {};
    for (const row of rows) statuses[row.status] = (statuses[row.status] ?? 0) + 1;
    const pids = started.map((child) => child.child.pid);
    const byProcess: Record<string, number> = {};
    for (const row of rows) {
      const pid = Number(row.lease_owner?.split(':')[1]);
      const name = pid === pids[0] ? 'killed' : pids.includes(pid) ? `survivor ${pid}` : 'none';
      byProcess[name] = (byProcess[name] ?? 0) + 1;
    }
    const interruptedIds = new Set(rows.filter((row) => row.status === 'interrupted').map((row) => row.id));
    return {
      jobs: jobCount,
      expected,
      runs: rows.length,
      lag: {
        p50: percentile(lags, 50),
        p99: percentile(lags, 99),
        max: lags.length ? Math.max(...lags) : Number.NaN,
        count: lags.length,
      },
      lagAfterKill: {
        p50: percentile(lagsAfterKill, 50),
        p99: percentile(lagsAfterKill, 99),
        count: lagsAfterKill.length,
      },
      lost,
      lostExamples,
      duplicated,
      reExecuted,
      notFinished,
      unaccountedCalls,
      interrupted: interruptedIds.size,
      retriesOk: rows.filter(
        (row) => row.retry_of !== null && interruptedIds.has(row.retry_of) && row.status === 'ok',
      ).length,
      byProcess,
      statuses,
      windowS: (until - from) / 1000,
      readyS,
      killedAtSecond,
      exitCodes,
    };
  } finally {
    clearInterval(count);
    await db.end().catch(() => {});
    await fake.close();
  }
}

function gatewayTable(rows: GatewayRow[]): string {
  const lines = [
    '| store | processes | answered/s | p50 ms | p99 ms | errors | answered in the ledger | Pyramid CPU ms/req | PostgreSQL CPU ms/req | clean exits |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const { setup, processes, result, inLedger, cpuPerRequest, dbCpuPerRequest, exitCodes } of rows)
    lines.push(
      `| ${setup} | ${processes} | ${Math.round(result.answered / result.seconds)} | ${ms(percentile(result.latencies, 50))} | ${ms(percentile(result.latencies, 99))} | ${result.errors}${result.errorKinds.size ? ` (${[...result.errorKinds].map(([kind, n]) => `${kind}: ${n}`).join(', ')})` : ''} | ${inLedger} of ${result.answered}${result.ids.length === result.answered ? '' : ` (${result.ids.length} ids)`} | ${cpuPerRequest.toFixed(2)} | ${setup === 'SQLite' ? '—' : dbCpuPerRequest.toFixed(2)} | ${exitCodes.filter((code) => code === 0).length} of ${exitCodes.length} |`,
    );
  return lines.join('\n');
}

function schedulerTable(result: SchedulerResult): string {
  return [
    '| jobs | slots due | runs | lag p50 ms | lag p99 ms | lag max ms | lag p50 / p99 after the kill | lost | duplicated | re-executed after the kill | interrupted, retried ok | model calls without a run |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${result.jobs} | ${result.expected} | ${result.runs} | ${ms(result.lag.p50)} | ${ms(result.lag.p99)} | ${ms(result.lag.max)} | ${ms(result.lagAfterKill.p50)} / ${ms(result.lagAfterKill.p99)} | ${result.lost} | ${result.duplicated} | ${result.reExecuted} | ${result.interrupted}, ${result.retriesOk} | ${result.unaccountedCalls} |`,
  ].join('\n');
}

const unavailable = postgresUnavailable();
if (unavailable) console.error(`PostgreSQL parts skipped: ${unavailable}`);
const cluster = unavailable ? undefined : await startPostgresCluster();
const loadBefore = loadavg();
const startedAt = new Date();
try {
  const gateway = parts.has('gateway') ? await gatewayPart(cluster) : undefined;
  const scheduler = parts.has('scheduler') && cluster ? await schedulerPart(cluster) : undefined;
  const loadAfter = loadavg();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, ${process.platform}`;
  const load = `load average ${loadBefore.map((value) => value.toFixed(1)).join(' / ')} (1 / 5 / 15 min) at the start, ${loadAfter.map((value) => value.toFixed(1)).join(' / ')} at the end`;
  const sections = [
    `### ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC — ${machine}; ${load}`,
  ];
  if (gateway)
    sections.push(
      `Gateways: ${concurrency} concurrent clients spread round-robin over the processes, ${seconds} s per row after a warm-up, non-streaming chat completions to the fake OpenAI-compatible server (test/fakes, its own process, instant answers). Latency measured by the load generator.`,
      gatewayTable(gateway),
    );
  if (scheduler)
    sections.push(
      `Schedulers: 3 processes on one PostgreSQL database (lease 5 s, concurrency.agents 64 for the platform), ${scheduler.jobs} jobs (job i at second i % 60 of every minute, ${agentCount} agents, instant fake model), up in ${scheduler.readyS.toFixed(1)} s; one killed with kill -9 at second ${scheduler.killedAtSecond.toFixed(1)} of a minute, the other two stopped ${afterKillSeconds} s later. Slots counted over ${scheduler.windowS.toFixed(0)} s; runs by process: ${Object.entries(
        scheduler.byProcess,
      )
        .map(([name, n]) => `${name} ${n}`)
        .join(', ')}; statuses: ${Object.entries(scheduler.statuses)
        .map(([name, n]) => `${name} ${n}`)
        .join(
          ', ',
        )}; survivors' exit codes ${scheduler.exitCodes.join(', ')}.${scheduler.lostExamples.length ? ` Lost, e.g.: ${scheduler.lostExamples.join('; ')}.` : ''}`,
      schedulerTable(scheduler),
    );
  const markdown = `${sections.join('\n\n')}\n`;
  console.log(markdown);
  console.log(JSON.stringify({ gateway: gateway?.map((row) => ({ ...row, result: undefined })), scheduler }));
  if (writeResults) {
    const existing = await readFile(results, 'utf8');
    const heading = '## scale';
    const intro = `${heading}\n\n\`npm run bench:scale\` (bench/scale-bench.ts): several \`pyramid start\` processes on one PostgreSQL store (issue 13), against the SQLite baseline; gateways under the same load, and 3 schedulers with 10,000 jobs, one killed with kill -9.\n\n`;
    await appendFile(results, `${existing.includes(heading) ? '' : `\n${intro}`}${markdown}\n`);
  }
} finally {
  for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
  await Promise.all(children.map((child) => child.exited));
  await cluster?.stop();
  for (const home of homes) await rm(home, { recursive: true, force: true });
}
