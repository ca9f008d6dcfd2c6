import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ModelConfig, ProviderConfig } from '../../src/contracts/pyramid-config.ts';
import { createHealthMonitor } from '../../src/gateway/health-monitor.ts';
import { createProviderProbe } from '../../src/providers/create-provider-probe.ts';
import { BreakerBoard } from '../../src/router/breaker-board.ts';
import { waitFor } from '../delivery/wait-for.ts';
import { fakeModelConfig, fakeProviderConfig } from '../fakes/fake-provider-config.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { ManualClock } from '../scheduler/manual-clock.ts';
import { startRelay } from './start-relay.ts';

const breakerConfig = { failureThreshold: 3, cooldownMs: 5000, maxCooldownMs: 60_000 };

describe('health probes tell the truth', () => {
  let fake: FakeModelServer;
  let relay: Awaited<ReturnType<typeof startRelay>>;

  before(async () => {
    fake = await startFakeModelServer({ api: 'openai-completions' });
    relay = await startRelay(Number(new URL(fake.origin).port));
  });
  after(async () => {
    await relay.down().catch(() => {});
    await fake.close();
  });

  function monitor(baseUrl: string, breaker = breakerConfig) {
    const provider: ProviderConfig = fakeProviderConfig(fake, { name: 'gemini', baseUrl });
    const model: ModelConfig = fakeModelConfig(provider, { name: 'flash' });
    const clock = new ManualClock(Date.parse('2026-11-28T10:00:00Z'));
    const breakers = new BreakerBoard(breaker);
    const logs: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
    const logger = {
      info: (fields: Record<string, unknown>, msg: string) => logs.push({ level: 'info', msg, fields }),
      warn: (fields: Record<string, unknown>, msg: string) => logs.push({ level: 'warn', msg, fields }),
    };
    const health = createHealthMonitor({
      config: { providers: { gemini: provider }, models: { flash: model } },
      probes: { gemini: createProviderProbe({ provider, now: () => clock.now() }) },
      breakers,
      intervalMs: 30_000,
      timeoutMs: 2000,
      logger: logger as never,
      now: () => clock.now(),
      timers: clock,
    });
    return { health, breakers, clock, logs, breaker: () => breakers.snapshot('flash', clock.now()) };
  }

  test('a probe answered 429 is a rate limit, as a request is: not "provider unreachable"', async () => {
    const { health, logs, breaker } = monitor(fake.baseUrl, { ...breakerConfig, failureThreshold: 1 });
    fake.enqueue({ status: 429, headers: { 'retry-after': '7' } });
    await health.probeAll();
    const state = health.providers().gemini;
    assert.equal(state.reachable, true, 'it answered');
    assert.match(state.reason ?? '', /^rate_limited:429/);
    assert.deepEqual(
      logs.map((entry) => entry.msg),
      ['provider rate-limited'],
    );
    assert.equal(logs[0].fields.retryAfterMs, 7000);
    assert.equal(breaker().state, 'open');
    assert.equal(breaker().retryAt! - Date.parse('2026-11-28T10:00:00Z'), 7000, 'open for its Retry-After');
    health.stop();
  });

  test('one probe 429 counts toward the threshold, like one request 429; it does not open the breaker at once', async () => {
    const { health, breaker } = monitor(fake.baseUrl);
    fake.enqueue({ status: 429, headers: { 'retry-after': '7' } });
    await health.probeAll();
    assert.equal(breaker().state, 'closed');
    assert.equal(breaker().consecutiveFailures, 1);
    health.stop();
  });

  test('a refused probe opens the breaker for its own cool-down, and a probe at the retry time notices recovery', async () => {
    const { health, clock, logs, breaker } = monitor(`${relay.url()}/v1`);
    await relay.down();
    await health.probeAll();
    assert.equal(breaker().state, 'open');
    const opened = clock.now();
    assert.equal(breaker().retryAt! - opened, 5000, 'the cool-down, not the 30 s probe interval');
    assert.match(logs.at(-1)?.msg ?? '', /^provider unreachable$/);

    await clock.advance(2000);
    await health.probeAll(); // still down: a probe of an open breaker does not hold it open longer
    assert.equal(breaker().retryAt! - opened, 5000);
    assert.equal(breaker().cooldownMs, 5000);

    await relay.up();
    await clock.advance(3000); // the breaker's retry time: the recovery probe runs now, not at the next interval
    await waitFor(() => breaker().state === 'closed', 10_000, 'the recovery probe to close the breaker');
    assert.equal(clock.now() - opened, 5000);
    assert.equal(health.providers().gemini.reachable, true);
    assert.equal(logs.at(-1)?.msg, 'provider reachable again');
    health.stop();
    assert.equal(clock.pendingTimers, 0, 'stop() clears the recovery probe');
  });

  test('while the recovery probe is out, user requests skip the model (it holds the half-open slot)', async () => {
    const { health, breakers, clock, breaker } = monitor(fake.baseUrl);
    fake.enqueue({ status: 503 }, { status: 503 }, { status: 503 }, { delayMs: 300 });
    for (let n = 0; n < 3; n++) await health.probeAll();
    assert.equal(breaker().state, 'open');
    await clock.advance(5000);
    await waitFor(() => breaker().probeInFlight, 10_000, 'the recovery probe to start');
    assert.equal(breakers.get('flash').tryAcquire(clock.now()), undefined);
    await waitFor(() => breaker().state === 'closed', 10_000, 'the recovery probe to close the breaker');
    health.stop();
  });
});
