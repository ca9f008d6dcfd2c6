// npm run bench:fleet: the seed's fleet (24 agents: 15 tier-0 kinds, 4 summarisers at tier 1, 3
// researchers at tier 2, 2 strategists at tier 3; about 1,380 calls a day at list prices) through a real
// `pyramid start` (a child process), with a day compressed into BENCH_DAY_SECONDS (default 240). Fakes of
// each wire protocol answer with the agents' token counts and their models' speeds; Gemini refuses
// connections for 30 s and DeepSeek answers 429 with `Retry-After: 5` for 15 s. Reported: tier shares
// against the seed's bands, cost by tier, savings against each baseline, calls that climbed because of
// provider failures and what they cost, slots run, lost and duplicated, and the gateway's downtime.
// BENCH_DAY_SECONDS (a longer day spreads the same calls), BENCH_FLEETS (copies of the fleet: more load),
// BENCH_SEED (token counts), BENCH_KEEP=1 (keep the PYRAMID_HOME and print it).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { UsageReport } from '../src/ledger/index.ts';
import { closeSqlite, openSqlite } from '../src/store/index.ts';
import { startPyramid } from '../test/gateway/start-pyramid-process.ts';
import { fleetJobs, fleetYaml } from './fleet/fleet-config.ts';
import { seededRandom, startFleetFakes } from './fleet/fleet-fakes.ts';
import { fleetReport, type Outage } from './fleet/fleet-report.ts';
import { type FleetAgent, seedFleet } from './fleet/seed-fleet.ts';

const daySeconds = Number(process.env.BENCH_DAY_SECONDS ?? 240);
const fleets = Number(process.env.BENCH_FLEETS ?? 1);
const seed = Number(process.env.BENCH_SEED ?? 1);
const dayMs = daySeconds * 1000;
/** USD rounded to a hundredth of a cent, for the differences between two ways of counting. */
const cents = (usd: number) => Number(usd.toFixed(4));
const bin = fileURLToPath(new URL('../bin/pyramid.js', import.meta.url));

const fleet: FleetAgent[] = Array.from({ length: fleets }, (_, copy) =>
  seedFleet.map((agent) => (copy === 0 ? agent : { ...agent, id: `${agent.id}-${copy + 1}` })),
).flat();
const jobs = fleetJobs(fleet, dayMs);
// When in the day each failure starts (seconds after the day starts), and for how long.
const geminiDown = { atS: Math.round(daySeconds * 0.3), forS: 30 };
const deepseekLimited = { atS: Math.round(daySeconds * 0.55), forS: 15, retryAfterS: 5 };

const home = await mkdtemp(join(tmpdir(), 'pyramid-fleet-bench-'));
const fakes = await startFleetFakes(fleet, seededRandom(seed));
const env = {
  PYRAMID_HOME: home,
  GEMINI_API_KEY: 'bench-gemini-key',
  DEEPSEEK_API_KEY: 'bench-deepseek-key',
  ANTHROPIC_API_KEY: 'bench-anthropic-key',
};
try {
  await writeFile(join(home, 'pyramid.yaml'), fleetYaml(fleet, jobs, fakes.baseUrls));
  const pyramid = await startPyramid(env);
  const dayStartMs = Date.now();
  console.error(
    `pyramid start listening at ${pyramid.url}: ${fleet.length} agents, ${jobs.length} jobs, a day of ${daySeconds} s`,
  );

  // The gateway's downtime: /health polled every 500 ms; a failure or an answer slower than 2 s is down.
  let downMs = 0;
  let polls = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const started = Date.now();
      const ok = await fetch(`${pyramid.url}/health`, { signal: AbortSignal.timeout(2000) }).then(
        (response) => response.ok,
        () => false,
      );
      polls++;
      if (!ok) downMs += Math.max(500, Date.now() - started);
      await sleep(500);
    }
  })();

  const at = (seconds: number) => sleep(Math.max(0, dayStartMs + seconds * 1000 - Date.now()));
  const outages: Outage[] = [];
  const failures = (async () => {
    await at(geminiDown.atS);
    const refusedAt = Date.now();
    await fakes.refuse('gemini');
    console.error(`${Math.round((Date.now() - dayStartMs) / 1000)} s: gemini refuses connections`);
    await at(geminiDown.atS + geminiDown.forS);
    await fakes.restore('gemini');
    outages.push({ provider: 'gemini', kind: 'connection refused', fromMs: refusedAt, untilMs: Date.now() });
    console.error(`${Math.round((Date.now() - dayStartMs) / 1000)} s: gemini listens again`);
    await at(deepseekLimited.atS);
    const limitedAt = Date.now();
    fakes.rateLimit('deepseek', limitedAt + deepseekLimited.forS * 1000, deepseekLimited.retryAfterS);
    outages.push({
      provider: 'deepseek',
      kind: `429 Retry-After: ${deepseekLimited.retryAfterS}`,
      fromMs: limitedAt,
      untilMs: limitedAt + deepseekLimited.forS * 1000,
    });
    console.error(
      `${Math.round((Date.now() - dayStartMs) / 1000)} s: deepseek answers 429 for ${deepseekLimited.forS} s`,
    );
  })();

  await at(daySeconds);
  await failures;
  const stoppedAtMs = Date.now();
  // Polling stops first: a draining gateway refuses new connections by design, which is not downtime.
  polling = false;
  await poller;
  pyramid.child.kill('SIGTERM');
  const code = await pyramid.exited;
  console.error(
    `the day is over; pyramid start exited ${code} after ${Math.round((Date.now() - stoppedAtMs) / 1000)} s of drain`,
  );

  // Pyramid's own report of the day, read back through the CLI (the same figures as /api/usage).
  const since = new Date(dayStartMs - 60_000).toISOString();
  const usage = async (...args: string[]) =>
    (
      await promisify(execFile)(process.execPath, [bin, 'usage', '--since', since, ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: home, ...env },
        maxBuffer: 64 * 1024 * 1024,
      })
    ).stdout;
  const pyramidReport = JSON.parse(await usage('--by', 'tier', '--json')) as UsageReport;
  console.error(`\npyramid usage --by tier:\n${await usage('--by', 'tier')}`);

  const db = openSqlite(join(home, 'pyramid.db'));
  const measured = fleetReport({
    db,
    fleet,
    jobs,
    outages,
    dayStartMs,
    stoppedAtMs,
    providerLog: fakes.log,
  });
  closeSqlite(db);

  const result = {
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 1e9)} GB, Node ${process.versions.node}`,
    fleet: { agents: fleet.length, jobs: jobs.length, daySeconds, seed },
    ...measured,
    gateway: { exitCode: code, downtimeS: downMs / 1000, healthPolls: polls },
    providerLog: fakes.log,
    // Pyramid's own report of the same day, and how far it is from the bench's own figures.
    pyramidUsage: {
      costUsd: pyramidReport.totals.costUsd,
      baselines: pyramidReport.totals.baselines,
      climbed: pyramidReport.totals.climbed,
      requestsWithoutBaselines: pyramidReport.requestsWithoutBaselines,
      differsFromBench: {
        costUsd: cents(pyramidReport.totals.costUsd - measured.costUsd),
        withoutTier0: cents(
          (pyramidReport.totals.baselines.withoutTier0.costUsd ?? 0) -
            measured.savings.withoutTier0.baselineUsd,
        ),
        allOnTopTier: cents(
          (pyramidReport.totals.baselines.allOnTopTier.costUsd ?? 0) -
            measured.savings.allOnTopTier.baselineUsd,
        ),
        cheapestCloud: cents(
          (pyramidReport.totals.baselines.cheapestCloud.costUsd ?? 0) -
            measured.savings.cheapestCloudPerTask.baselineUsd,
        ),
        climbedRequests: pyramidReport.totals.climbed.requests - measured.climbedOnProviderFailure.requests,
        climbedCostUsd: cents(
          pyramidReport.totals.climbed.costUsd - measured.climbedOnProviderFailure.costUsd,
        ),
      },
    },
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await fakes.close();
  if (process.env.BENCH_KEEP === '1') console.error(`PYRAMID_HOME kept: ${home}`);
  else await rm(home, { recursive: true, force: true });
}
