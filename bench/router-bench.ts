// npm run bench:router — the router's own overhead per request against an instant fake model server,
// without budgets and with them (a daily cap and a per-caller cap, so every request checks the spent
// sums and reserves its worst case), and the time a request loses when its first candidate refuses
// connections, hangs, or answers 503.
// Everything runs in one process, over real HTTP on 127.0.0.1, with the real SQLite ledger.
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ModelCall } from '../src/contracts/model-call.ts';
import type { PyramidConfig } from '../src/contracts/pyramid-config.ts';
import { createLedger } from '../src/ledger/index.ts';
import { createModelAdapter } from '../src/providers/create-model-adapter.ts';
import { Router } from '../src/router/router.ts';
import { openInlineStores, startWalCheckpointer } from '../src/store/index.ts';
import { fakeModelConfig, fakeProviderConfig } from '../test/fakes/fake-provider-config.ts';
import { refusedConnectionUrl } from '../test/fakes/refused-connection-url.ts';
import { startFakeModelServer } from '../test/fakes/start-fake-model-server.ts';

const requests = Number(process.env.BENCH_REQUESTS ?? 3000);
const failureRequests = Number(process.env.BENCH_FAILURE_REQUESTS ?? 200);
const hangTimeoutMs = 1000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length };
}

const ms = (value: number) => `${value.toFixed(3)} ms`;

async function main() {
  const home = await mkdtemp(join(tmpdir(), 'pyramid-bench-'));
  const good = await startFakeModelServer({ api: 'openai-completions' });
  const hanging = await startFakeModelServer({ api: 'openai-completions' });
  const failing = await startFakeModelServer({ api: 'openai-completions' });
  good.setDefault({ text: 'ok', chunkSize: 64 });
  hanging.setDefault({ hang: true });
  failing.setDefault({ status: 503 });
  const timeouts = { connectMs: hangTimeoutMs, firstTokenMs: hangTimeoutMs, totalMs: 30_000 };
  const goodProvider = fakeProviderConfig(good, { name: 'good', timeouts });
  const goodModel = fakeModelConfig(goodProvider, { name: 'good-model' });
  const messages = [{ role: 'user' as const, content: 'Label this request: my invoice is wrong.' }];

  const stores = openInlineStores(join(home, 'bench.db'));
  // As in `pyramid start`: WAL checkpoints in a worker, not inside a request's commit.
  stores.db.exec('PRAGMA wal_autocheckpoint = 0');
  const checkpointer = startWalCheckpointer(join(home, 'bench.db'), {
    onError: () => stores.db.exec('PRAGMA wal_autocheckpoint = 1000'),
  });
  const ledger = createLedger({ store: stores.ledger, config: { models: {}, tiers: [] } });

  function configWith(first?: { name: string; baseUrl: string }): PyramidConfig {
    const providers = { good: goodProvider } as PyramidConfig['providers'];
    const models = { 'good-model': goodModel } as PyramidConfig['models'];
    const tier0 = ['good-model'];
    if (first) {
      providers[first.name] = fakeProviderConfig(
        { api: 'openai-completions', baseUrl: first.baseUrl },
        { name: first.name, timeouts },
      );
      models[`${first.name}-model`] = fakeModelConfig(providers[first.name], { name: `${first.name}-model` });
      tier0.unshift(`${first.name}-model`);
    }
    return {
      providers,
      models,
      tiers: [tier0],
      tasks: { default: { name: 'default', tier: 0 } },
      router: { maxTier: 0, breaker: { failureThreshold: 3, cooldownMs: 5000, maxCooldownMs: 60_000 } },
    };
  }

  function routerFor(config: PyramidConfig): Router {
    const adapters = new Map(
      Object.values(config.models).map((model) => [
        model.name,
        createModelAdapter({ provider: config.providers[model.provider], model }),
      ]),
    );
    return new Router({ config, adapterFor: (name) => adapters.get(name)!, ledger });
  }

  // 1. Overhead: the same adapter called directly, then through the router (plan, breaker, checks,
  // ledger write), then through a router with spend caps (the spend guard: the day's spent sums read
  // from the ledger, the worst case reserved and settled). The caps are far above what the run spends.
  const adapter = createModelAdapter({ provider: goodProvider, model: goodModel });
  const call: ModelCall = { messages, timeouts };
  const direct: number[] = [];
  const routed: number[] = [];
  const budgeted: number[] = [];
  const router = routerFor(configWith());
  const budgetRouter = routerFor({
    ...configWith(),
    budgets: { dailyUsd: 1_000_000, perTag: { bench: 1_000_000 }, onExceeded: 'refuse', capTier: 0 },
  });
  const budgetedRequest = { messages, callerTag: 'bench' };
  for (let i = 0; i < 200; i++) {
    for await (const _ of adapter.stream(call));
    await router.complete({ messages });
    await budgetRouter.complete(budgetedRequest);
  }
  // Interleaved, so drift in the machine's state affects every side alike.
  for (let i = 0; i < requests; i++) {
    let start = performance.now();
    for await (const _ of adapter.stream(call));
    direct.push(performance.now() - start);
    start = performance.now();
    await router.complete({ messages });
    routed.push(performance.now() - start);
    start = performance.now();
    const result = await budgetRouter.complete(budgetedRequest);
    budgeted.push(performance.now() - start);
    if (i === 0 && result.costUsd <= 0) throw new Error('the budgeted requests must cost something');
  }
  const directStats = stats(direct);
  const routedStats = stats(routed);
  const budgetedStats = stats(budgeted);

  // 2. Time lost to a bad first candidate, against the healthy router's median.
  const scenarios = [
    { label: 'refuses connections', baseUrl: `${await refusedConnectionUrl()}/v1` },
    { label: `hangs (connect timeout ${hangTimeoutMs} ms)`, baseUrl: hanging.baseUrl },
    { label: 'answers 503', baseUrl: failing.baseUrl },
  ];
  const failureRows: string[] = [];
  for (const scenario of scenarios) {
    const config = configWith({ name: 'bad', baseUrl: scenario.baseUrl });
    const count = scenario.label.startsWith('hangs') ? 5 : failureRequests;
    // Breaker closed: a fresh router per request, so every request calls the bad candidate first.
    const closed: number[] = [];
    for (let i = 0; i < count; i++) {
      const fresh = routerFor(config);
      const start = performance.now();
      const result = await fresh.complete({ messages });
      closed.push(performance.now() - start - routedStats.p50);
      if (result.trace.attempts.length !== 2)
        throw new Error(`expected a failover, got ${result.trace.attempts.length} attempts`);
    }
    // Breaker open: one router; after the failures that open it, requests skip the bad candidate.
    const shared = routerFor(config);
    for (let i = 0; i < 3; i++) await shared.complete({ messages });
    const open: number[] = [];
    for (let i = 0; i < failureRequests; i++) {
      const start = performance.now();
      await shared.complete({ messages });
      open.push(performance.now() - start - routedStats.p50);
    }
    const closedStats = stats(closed);
    const openStats = stats(open);
    failureRows.push(
      `| ${scenario.label} | ${ms(closedStats.p50)} | ${ms(closedStats.p99)} | ${ms(openStats.p50)} | ${ms(openStats.p99)} |`,
    );
  }

  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  const lines = [
    `Machine: ${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Overhead (${requests} sequential requests per path, interleaved; instant fake over HTTP; SQLite ledger in WAL, checkpoints in a worker as in pyramid start):`,
    '',
    '| path | p50 | p99 |',
    '| --- | --- | --- |',
    `| adapter directly | ${ms(directStats.p50)} | ${ms(directStats.p99)} |`,
    `| through the router | ${ms(routedStats.p50)} | ${ms(routedStats.p99)} |`,
    `| router overhead, no budgets | ${ms(routedStats.p50 - directStats.p50)} | ${ms(routedStats.p99 - directStats.p99)} |`,
    `| through the router with budgets (daily and per-caller caps) | ${ms(budgetedStats.p50)} | ${ms(budgetedStats.p99)} |`,
    `| router overhead, with budgets | ${ms(budgetedStats.p50 - directStats.p50)} | ${ms(budgetedStats.p99 - directStats.p99)} |`,
    `| ratio router / direct | ${(routedStats.p50 / directStats.p50).toFixed(2)}x | ${(routedStats.p99 / directStats.p99).toFixed(2)}x |`,
    `| ratio router with budgets / direct | ${(budgetedStats.p50 / directStats.p50).toFixed(2)}x | ${(budgetedStats.p99 / directStats.p99).toFixed(2)}x |`,
    '',
    'Time a request loses when its first candidate is bad (latency minus the healthy p50):',
    '',
    '| first candidate | breaker closed p50 | closed p99 | breaker open p50 | open p99 |',
    '| --- | --- | --- | --- | --- |',
    ...failureRows,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  checkpointer.stop();
  await stores.close();
  await Promise.all([good.close(), hanging.close(), failing.close()]);
  await rm(home, { recursive: true, force: true });
}

await main();
