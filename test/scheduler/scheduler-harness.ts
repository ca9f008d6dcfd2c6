import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatRequest } from '../../src/contracts/chat-request.ts';
import type {
  AgentConfig,
  JobConfig,
  JobSchedule,
  PyramidConfig,
} from '../../src/contracts/pyramid-config.ts';
import type { RequestLedger } from '../../src/contracts/request-ledger.ts';
import { createModelAdapter } from '../../src/providers/create-model-adapter.ts';
import { Router } from '../../src/router/router.ts';
import { Scheduler, type SchedulerOptions } from '../../src/scheduler/scheduler.ts';
import { closeSqlite, openInlineStores, openSqlite } from '../../src/store/index.ts';
import { fakeModelConfig, fakeProviderConfig } from '../fakes/fake-provider-config.ts';
import type { FakeModelServer } from '../fakes/start-fake-model-server.ts';
import { ManualClock, settleMicrotasks } from './manual-clock.ts';

/** An agent with test defaults. */
export function testAgent(id: string, extra: Partial<AgentConfig> = {}): AgentConfig {
  return {
    id,
    prompt: `You are ${id}.`,
    task: 'classify',
    tools: [],
    mainSession: false,
    mainSessionTokens: 8000,
    maxSteps: 6,
    httpAllowedHosts: [],
    httpAllowPrivateAddresses: false,
    maxToolCalls: 8,
    deliver: [],
    ...extra,
  };
}

/** A job with test defaults: isolated agentTurn, no retries, overlap skip, catchUp once. */
export function testJob(
  id: string,
  agent: string,
  schedule: JobSchedule,
  extra: Partial<JobConfig> = {},
): JobConfig {
  return {
    id,
    agent,
    schedule,
    payload: { kind: 'agentTurn', message: `run ${id}` },
    session: 'isolated',
    timeoutMs: 60_000,
    retries: 0,
    backoffMs: 1000,
    overlap: 'skip',
    catchUp: 'once',
    enabled: true,
    deliver: [],
    ...extra,
  };
}

/** Three tiers (m0, m1, m2) served by one fake, tasks classify 0, summarize 1, research 2. */
export function testPyramid(fake: FakeModelServer, extra: Partial<PyramidConfig> = {}): PyramidConfig {
  const provider = fakeProviderConfig(fake, { name: 'fake' });
  const model = (name: string) => fakeModelConfig(provider, { name, id: name });
  return {
    providers: { fake: provider },
    models: { m0: model('m0'), m1: model('m1'), m2: model('m2') },
    tiers: [['m0'], ['m1'], ['m2']],
    tasks: {
      default: { name: 'default', tier: 0 },
      classify: { name: 'classify', tier: 0 },
      summarize: { name: 'summarize', tier: 1 },
      research: { name: 'research', tier: 2 },
    },
    router: { maxTier: 2, breaker: { failureThreshold: 3, cooldownMs: 5000, maxCooldownMs: 60_000 } },
    concurrency: { agents: 2, subagents: 4 },
    ...extra,
  };
}

const nullLedger: RequestLedger = { record() {}, spentSince: () => 0 };

export type Harness = Awaited<ReturnType<typeof createHarness>>;

/** A scheduler on a temp SQLite file, a manual clock and a router to the fake. */
export async function createHarness(
  fake: FakeModelServer,
  options: {
    agents: AgentConfig[];
    jobs?: JobConfig[];
    concurrency?: { agents: number; subagents: number };
    start?: string;
    dbPath?: string;
    scheduler?: Partial<SchedulerOptions>;
    /** Wraps each router call (to count concurrent calls). */
    around?: (request: ChatRequest, call: () => Promise<unknown>) => Promise<unknown>;
    /** The router reads the manual clock (its spend caps' UTC day), not the system's. */
    routerOnClock?: boolean;
  },
) {
  const folder = options.dbPath ? undefined : await mkdtemp(join(tmpdir(), 'pyramid-sched-'));
  const dbPath = options.dbPath ?? join(folder as string, 'pyramid.db');
  const config = testPyramid(fake, {
    agents: Object.fromEntries(options.agents.map((agent) => [agent.id, agent])),
    jobs: Object.fromEntries((options.jobs ?? []).map((job) => [job.id, job])),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  });
  const clock = new ManualClock(options.start ?? '2026-01-01T00:00:00Z');
  const router = new Router({
    config,
    ledger: nullLedger,
    adapterFor: (name) => createModelAdapter({ provider: config.providers.fake, model: config.models[name] }),
    ...(options.routerOnClock ? { now: () => clock.now() } : {}),
  });
  const around = options.around;
  const routerFacade = {
    explain: router.explain.bind(router),
    complete: around
      ? (request: ChatRequest) =>
          around(request, () => router.complete(request)) as ReturnType<Router['complete']>
      : router.complete.bind(router),
  };
  const db = openSqlite(dbPath);
  const stores = openInlineStores(db);
  const store = stores.scheduler;
  const sessions = stores.sessions;
  let counter = 0;
  const makeScheduler = (extra: Partial<SchedulerOptions> = {}) =>
    new Scheduler({
      config,
      router: routerFacade,
      store,
      sessions,
      clock,
      newId: () => `r${String(++counter).padStart(4, '0')}`,
      ...options.scheduler,
      ...extra,
    });
  const scheduler = makeScheduler();
  return {
    config,
    db,
    dbPath,
    clock,
    store,
    sessions,
    scheduler,
    makeScheduler,
    /** Waits (real time) until no run is queued or running. */
    async settle(target: Scheduler = scheduler, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      // A tick the scheduler started (at start, or on a timer) may still be claiming its runs.
      await settleMicrotasks();
      while (Date.now() < deadline) {
        const stats = target.stats();
        if (stats.running === 0 && stats.queued === 0) return;
        await sleep(5);
      }
      throw new Error(`runs still active after ${timeoutMs} ms: ${JSON.stringify(target.stats())}`);
    },
    async close() {
      await scheduler.stop();
      await stores.close();
      closeSqlite(db);
      if (folder) await rm(folder, { recursive: true, force: true });
    },
  };
}
