// npm run bench:dashboard — the dashboard's API on a year of history. Fills a real SQLite file (through
// the migrations, in one transaction with prepared statements) with BENCH_REQUESTS ledger requests
// (default 1,000,000, with their attempts) spread over 365 days and BENCH_RUNS runs (default 100,000)
// with a delivery each, starts a real `pyramid start` on it, and calls each view's API BENCH_CALLS times
// (default 30) one after another over HTTP. The rows go in before the rollups' migrations (0010 and
// on), which then sum them in once, as on a database upgraded to them (row by row through the triggers
// the fill takes over 3 minutes on a loaded machine). Server time is the gateway's own (the `ms` of its
// request log line); the round trip seen by the client is printed beside it. Prints a section for
// bench/RESULTS.md on stdout.
// Env: BENCH_REQUESTS, BENCH_RUNS, BENCH_CALLS, BENCH_KEEP=1 (keep the folder), BENCH_ONLY=<regex> (views).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DatabaseSync } from 'node:sqlite';
import { closeSqlite, migrations, openSqlite, transaction } from '../src/store/index.ts';
import { startPyramid } from '../test/gateway/start-pyramid-process.ts';

const requestCount = Number(process.env.BENCH_REQUESTS ?? 1_000_000);
const runCount = Number(process.env.BENCH_RUNS ?? 100_000);
const calls = Number(process.env.BENCH_CALLS ?? 30);
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined;
const token = 'pyr_bench_dashboard_admin_0123456789abcdef';
const day = 86_400_000;
const now = Date.now();
const start = now - 365 * day;

/** A small deterministic generator (mulberry32), so every run fills the same history. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The pyramid of the config below: per tier one model, its price per million tokens (input, output).
const models = [
  { name: 'qwen3-14b', provider: 'local', price: [0, 0] },
  { name: 'gemini-flash', provider: 'cloud', price: [0.3, 2.5] },
  { name: 'deepseek-v3', provider: 'cloud', price: [0.27, 1.1] },
  { name: 'claude-opus', provider: 'cloud', price: [15, 75] },
];
const tasks: Record<string, number> = {
  classify: 0,
  extract: 0,
  triage: 0,
  summarize: 1,
  draft: 1,
  code: 2,
  plan: 3,
};
const taskNames = Object.keys(tasks);
const agents = Array.from({ length: 24 }, (_, index) => ({
  id: `agent-${String(index + 1).padStart(2, '0')}`,
  task: taskNames[index % taskNames.length],
}));
const callers = [...agents.map((agent) => agent.id), 'ops', 'scripts'];
const failureReasons = ['unreachable', 'timeout:first-token', 'rate_limited', 'server_error'];
const inadequacies = ['empty_answer', 'truncated', 'invalid_json'];

const price = (tier: number, input: number, output: number) =>
  (input * models[tier].price[0] + output * models[tier].price[1]) / 1e6;

function yaml(): string {
  return `providers:
  local: { api: ollama, baseUrl: "http://127.0.0.1:9" }
  cloud: { api: openai-completions, baseUrl: "http://127.0.0.1:9/v1", apiKey: "env:CLOUD_KEY" }
models:
${models.map((model, tier) => `  ${model.name}: { provider: ${model.provider}, id: "m${tier}", cost: { input: ${model.price[0]}, output: ${model.price[1]} } }`).join('\n')}
tiers:
${models.map((model) => `  - [${model.name}]`).join('\n')}
tasks:
  default: 0
${Object.entries(tasks)
  .map(([task, tier]) => `  ${task}: ${tier}`)
  .join('\n')}
agents:
${agents.map((agent) => `  - { id: ${agent.id}, prompt: "You do ${agent.task}." }`).join('\n')}
jobs:
${agents.map((agent) => `  - { id: ${agent.id}-hourly, agent: ${agent.id}, enabled: false, schedule: { every: 1h }, payload: { kind: agentTurn, message: "Go." } }`).join('\n')}
gateway:
  probeInterval: 1h
  auth:
    tokens:
      - { name: ops, token: "env:ADMIN_TOKEN", scopes: [admin] }
`;
}

/** Ledger requests with their attempts, evenly over the year, in one transaction. */
function fillLedger(db: DatabaseSync): { attempts: number; sampleId: string } {
  const next = random(12);
  const request = db.prepare(`
    INSERT INTO requests (request_id, task, resolved_task, caller_tag, started_at, finished_at, outcome,
      error_code, model, tier, input_tokens, output_tokens, reasoning_tokens, cached_input_tokens,
      cost_usd, cloud_only_cost_usd, attempt_count, start_tier, top_tier_cost_usd, cheapest_cloud_cost_usd,
      climbed_from_tier, climb_planned_cost_usd)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const attempt = db.prepare(`
    INSERT INTO attempts (request_id, seq, model, provider, tier, outcome, answered, reason, detail,
      started_at, latency_ms, ttft_ms, max_tokens, input_tokens, output_tokens, reasoning_tokens,
      cached_input_tokens, cost_usd, cloud_only_cost_usd, top_tier_cost_usd, cheapest_cloud_cost_usd)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, NULL, ?, ?, 0, 0, ?, ?, ?, ?)`);
  const step = (365 * day) / requestCount;
  let attempts = 0;
  let sampleId = '';
  transaction(db, () => {
    for (let index = 0; index < requestCount; index++) {
      const startedAt = Math.floor(start + index * step);
      const id = `req_${startedAt.toString(36)}_${index.toString(36)}`;
      const caller = callers[Math.floor(next() * callers.length)];
      const agent = agents.find((candidate) => candidate.id === caller);
      const task = agent && next() < 0.8 ? agent.task : taskNames[Math.floor(next() * taskNames.length)];
      const startTier = tasks[task];
      const input = 200 + Math.floor(next() * 2800);
      const output = 50 + Math.floor(next() * 750);
      // What happened: mostly one answer; some fail over or escalate a tier; a few fail.
      const roll = next();
      const failed = roll < 0.015;
      const climbs = !failed && startTier < 3 && roll < 0.11;
      const escalates = !failed && !climbs && startTier < 3 && roll < 0.14;
      const tiers = failed
        ? [startTier, Math.min(3, startTier + 1)]
        : climbs || escalates
          ? [startTier, startTier + 1]
          : [startTier];
      let at = startedAt;
      let cost = 0;
      const rows: unknown[][] = [];
      tiers.forEach((tier, seq) => {
        const last = seq === tiers.length - 1;
        const answered = last && !failed;
        const outcome = answered ? 'ok' : failed || climbs ? 'error' : 'inadequate';
        const paid = outcome === 'error' ? 0 : price(tier, input, output);
        const latency = tier === 0 ? 300 + next() * 900 : 600 + next() * 2400;
        cost += paid;
        rows.push([
          id,
          seq,
          models[tier].name,
          models[tier].provider,
          tier,
          outcome,
          answered ? 1 : 0,
          outcome === 'ok'
            ? null
            : outcome === 'error'
              ? failureReasons[Math.floor(next() * 4)]
              : inadequacies[Math.floor(next() * 3)],
          at,
          latency,
          outcome === 'error' ? 0 : input,
          outcome === 'error' ? 0 : output,
          paid,
          tier === 0 && outcome !== 'error' ? price(1, input, output) : paid,
          outcome === 'error' ? 0 : price(3, input, output),
          outcome === 'error' ? 0 : price(Math.max(2, tier), input, output),
        ]);
        at += Math.round(latency);
      });
      const answeredTier = failed ? undefined : tiers.at(-1);
      request.run(
        id,
        task,
        task,
        caller,
        startedAt,
        at,
        failed ? 'error' : 'ok',
        failed ? 'all_candidates_failed' : null,
        answeredTier === undefined ? null : models[answeredTier].name,
        answeredTier ?? null,
        failed ? 0 : input,
        failed ? 0 : output,
        cost,
        answeredTier === 0 ? price(1, input, output) : cost,
        tiers.length,
        startTier,
        failed ? 0 : price(3, input, output),
        failed ? 0 : price(Math.max(2, startTier), input, output),
        climbs ? startTier : null,
        climbs ? price(startTier, input, output) : null,
      );
      for (const row of rows) attempt.run(...(row as Parameters<typeof attempt.run>));
      attempts += rows.length;
      if (index === requestCount - 10) sampleId = id;
    }
  });
  return { attempts, sampleId };
}

/** Finished runs of the agents' hourly jobs over the year, each with one delivery. */
function fillRuns(db: DatabaseSync): void {
  const next = random(34);
  const run = db.prepare(`
    INSERT INTO runs (id, job_id, agent_id, trigger, slot_time, attempt, status, queued_at, started_at,
      finished_at, output, tiers, models, cost_usd, input_tokens, output_tokens, delivery_status)
    VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const delivery = db.prepare(`
    INSERT INTO deliveries (delivery_id, kind, run_id, job_id, agent_id, channel, channel_type, target_to,
      state, chunk_count, chunks_sent, attempts, next_attempt_at, last_error, created_at, updated_at, delivered_at)
    VALUES (?, 'run', ?, ?, ?, 'tg', 'telegram', '42', ?, 1, ?, 1, ?, ?, ?, ?, ?)`);
  const step = (365 * day) / runCount;
  transaction(db, () => {
    for (let index = 0; index < runCount; index++) {
      const agent = agents[index % agents.length];
      const queuedAt = Math.floor(start + index * step);
      const status = next() < 0.96 ? 'ok' : next() < 0.5 ? 'error' : 'timeout';
      const tier = tasks[agent.task];
      const id = `run_${queuedAt.toString(36)}_${index.toString(36)}`;
      const state = status !== 'ok' ? null : next() < 0.99 ? 'delivered' : 'failed';
      run.run(
        id,
        `${agent.id}-hourly`,
        agent.id,
        'schedule',
        queuedAt,
        status,
        queuedAt,
        queuedAt + 20,
        queuedAt + 4000,
        status === 'ok' ? 'The brief of the hour: nothing on fire.' : null,
        JSON.stringify([tier]),
        JSON.stringify([models[tier].name]),
        price(tier, 2000, 400),
        2000,
        400,
        state ?? 'none',
      );
      if (state)
        delivery.run(
          id,
          id,
          `${agent.id}-hourly`,
          agent.id,
          state,
          state === 'delivered' ? 1 : 0,
          queuedAt + 4000,
          state === 'failed' ? 'Forbidden: bot was blocked by the user' : null,
          queuedAt + 4000,
          queuedAt + 4100,
          state === 'delivered' ? queuedAt + 4100 : null,
        );
    }
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

async function main() {
  const home = await mkdtemp(join(tmpdir(), 'pyramid-dashboard-bench-'));
  try {
    await writeFile(join(home, 'pyramid.yaml'), yaml());
    const fillStart = performance.now();
    const file = join(home, 'pyramid.db');
    const rollups = migrations.findIndex((migration) => migration.name === '0010-ledger-rollups');
    const db = openSqlite(file, { migrations: migrations.slice(0, rollups) });
    db.exec('PRAGMA cache_size = -262144');
    const { attempts, sampleId } = fillLedger(db);
    const ledgerSeconds = (performance.now() - fillStart) / 1000;
    fillRuns(db);
    closeSqlite(db);
    const migrateStart = performance.now();
    const migrated = openSqlite(file);
    migrated.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    closeSqlite(migrated);
    const migrateSeconds = (performance.now() - migrateStart) / 1000;
    const fillSeconds = (performance.now() - fillStart) / 1000;
    console.error(
      `filled ${requestCount.toLocaleString('en-US')} requests (${attempts.toLocaleString('en-US')} attempts) in ${ledgerSeconds.toFixed(1)} s and ${runCount.toLocaleString('en-US')} runs; the rollups' migrations ${migrateSeconds.toFixed(1)} s; ${fillSeconds.toFixed(1)} s in all`,
    );

    const pyramid = await startPyramid({ PYRAMID_HOME: home, ADMIN_TOKEN: token, CLOUD_KEY: 'sk-bench' });
    try {
      const serverTimes = (path: string) =>
        pyramid
          .output()
          .split('\n')
          .filter((line) => line.includes('"msg":"request"') && line.includes(`"path":"${path}"`))
          .map((line) => Number((JSON.parse(line) as { ms: number }).ms));
      const views: [string, string][] = [
        ['overview', '/api/overview?since=24h'],
        ...['24h', 'today', '7d', '30d'].map((since): [string, string] => [
          `overview: usage ${since} by tier`,
          `/api/usage?since=${since}&by=tier`,
        ]),
        ['overview: usage 30d by day', '/api/usage?since=30d&by=day'],
        ['overview: health', '/api/health'],
        ...['1d', '7d', '30d', '365d'].flatMap((since) =>
          ['model', 'tier', 'task', 'agent', 'day'].map((by): [string, string] => [
            `usage ${since} by ${by}`,
            `/api/usage?since=${since}&by=${by}`,
          ]),
        ),
        ['requests page (24h, 100)', '/api/requests?since=24h&limit=100'],
        ['requests filtered (30d, tier 3)', '/api/requests?since=30d&tier=3&limit=100'],
        [
          'requests filtered (365d, caller ops, task plan)',
          '/api/requests?since=365d&caller=ops&task=plan&limit=100',
        ],
        ['a trace', `/api/requests/${sampleId}`],
        ['runs page (200)', '/api/runs?limit=200'],
        ['jobs view: jobs', '/api/jobs'],
        ['jobs view: runs (1000)', '/api/runs?limit=1000'],
      ];
      const results: { name: string; path: string; server: number[]; client: number[] }[] = [];
      for (const [name, path] of views) {
        if (only && !only.test(name)) continue;
        const route = path.split('?')[0];
        const server: number[] = [];
        const client: number[] = [];
        // One warm-up call (statements prepared, pages cached), then `calls` timed ones.
        for (let index = 0; index <= calls; index++) {
          const logged = serverTimes(route).length;
          const began = performance.now();
          const response = await fetch(`${pyramid.url}${path}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          await response.arrayBuffer();
          const took = performance.now() - began;
          if (!response.ok) throw new Error(`${path}: ${response.status}`);
          // The log line is written asynchronously: wait for it (generous deadline).
          const deadline = Date.now() + 10_000;
          while (serverTimes(route).length === logged) {
            if (Date.now() > deadline) throw new Error(`no request log line for ${path}`);
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          if (index === 0) continue;
          server.push(serverTimes(route).at(-1) ?? Number.NaN);
          client.push(took);
        }
        server.sort((a, b) => a - b);
        client.sort((a, b) => a - b);
        results.push({ name, path, server, client });
        console.error(
          `${name}: server p50 ${percentile(server, 50)} ms, p99 ${percentile(server, 99)} ms; round trip p50 ${percentile(client, 50).toFixed(1)} ms`,
        );
      }

      const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
      console.log(
        `### ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — ${machine}, load average ${loadavg()[0].toFixed(1)} (shared with other helpers' test runs)\n`,
      );
      console.log(
        `SQLite: ${requestCount.toLocaleString('en-US')} ledger requests (${attempts.toLocaleString('en-US')} attempts) over 365 days, ${runCount.toLocaleString('en-US')} runs with ${runCount.toLocaleString('en-US')} deliveries; filled in ${fillSeconds.toFixed(1)} s (of which the rollups' migrations summing the rows in: ${migrateSeconds.toFixed(1)} s). ${calls} calls per view after one warm-up, one at a time, over HTTP to \`pyramid start\`. Server time is the gateway's request log \`ms\` (ms, whole); round trip is the client's. Target: overview and usage under 300 ms.\n`,
      );
      console.log('| view | API | server p50 | server p99 | round trip p50 | meets 300 ms |');
      console.log('| --- | --- | ---: | ---: | ---: | --- |');
      for (const result of results) {
        const targeted = result.name.startsWith('overview') || result.name.startsWith('usage');
        const p99 = percentile(result.server, 99);
        console.log(
          `| ${result.name} | \`${result.path.replace(sampleId, ':id')}\` | ${percentile(result.server, 50)} | ${p99} | ${percentile(result.client, 50).toFixed(1)} | ${targeted ? (p99 < 300 ? 'yes' : '**no**') : ''} |`,
        );
      }
    } finally {
      pyramid.child.kill('SIGTERM');
      await pyramid.exited;
    }
  } finally {
    if (process.env.BENCH_KEEP) console.error(`kept ${home}`);
    else await rm(home, { recursive: true, force: true });
  }
}

await main();
