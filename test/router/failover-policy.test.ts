import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatRequest } from '../../src/contracts/chat-request.ts';
import { AllCandidatesFailedError } from '../../src/contracts/errors/all-candidates-failed-error.ts';
import { RateLimitedError } from '../../src/contracts/errors/rate-limited-error.ts';
import { ServerError } from '../../src/contracts/errors/server-error.ts';
import type { PyramidConfig } from '../../src/contracts/pyramid-config.ts';
import { Router } from '../../src/router/router.ts';
import { waitFor } from '../delivery/wait-for.ts';
import { ManualClock } from '../scheduler/manual-clock.ts';
import { ScriptedAdapters } from './scripted-adapter.ts';
import { MemoryLedger, testConfig } from './test-config.ts';

const research = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  task: 'research',
  messages: [{ role: 'user', content: 'find the cause' }],
  ...extra,
});
const scheduled = (extra: Partial<ChatRequest> = {}) => research({ callerKind: 'scheduled', ...extra });

const rateLimited = (retryAfterMs?: number) =>
  new RateLimitedError('429 Too Many Requests', { provider: 'big', statusCode: 429, retryAfterMs });

function setup(config: PyramidConfig = testConfig()) {
  const adapters = new ScriptedAdapters();
  const ledger = new MemoryLedger();
  const clock = new ManualClock('2026-11-28T10:00:00Z');
  const router = new Router({
    config,
    adapterFor: adapters.adapterFor,
    ledger,
    now: () => clock.now(),
    timers: clock,
  });
  /** Advances the clock once the router is waiting on it. */
  const advanceWhenWaiting = async (ms: number) => {
    await waitFor(() => clock.pendingTimers > 0, 10_000, 'the router to wait');
    await clock.advance(ms);
  };
  return { adapters, ledger, router, clock, advanceWhenWaiting };
}

const rows = (attempts: { model: string; outcome: string; reason?: string }[]) =>
  attempts.map((attempt) => [attempt.model, attempt.outcome, attempt.reason]);

describe('cost-aware failover: waiting instead of climbing', () => {
  test("a scheduled run waits out a 429's Retry-After and retries the same model instead of climbing", async () => {
    const { router, adapters, ledger, advanceWhenWaiting } = setup();
    adapters.queue('deepseek', { error: rateLimited(5000) }, { text: 'the cause' });
    const pending = router.complete(scheduled());
    await advanceWhenWaiting(5000);
    const result = await pending;
    assert.equal(result.model, 'deepseek');
    assert.equal(adapters.callsTo('opus'), 0, 'nothing went to the most expensive tier');
    assert.deepEqual(rows(result.trace.attempts), [
      ['deepseek', 'error', 'rate_limited:429'],
      ['deepseek', 'waited', 'rate_limited:429'],
      ['deepseek', 'ok', undefined],
    ]);
    assert.equal(result.trace.attempts[1].latencyMs, 5000);
    assert.equal(result.trace.attempts[1].costUsd, 0);
    assert.match(
      result.trace.notes.join('\n'),
      /waited 5000 ms for deepseek \(rate_limited:429\) instead of climbing to opus/,
    );
    assert.deepEqual(rows(ledger.rows[0].attempts), rows(result.trace.attempts), 'the wait is in the ledger');
  });

  test('a gateway caller (the default) does not wait: it climbs at once, as before', async () => {
    const { router, adapters } = setup();
    adapters.queue('deepseek', { error: rateLimited(5000) });
    const result = await router.complete(research());
    assert.equal(result.model, 'opus');
    assert.equal(
      result.trace.attempts.some((attempt) => attempt.outcome === 'waited'),
      false,
    );
  });

  test('a breaker kept open by Retry-After is waited for, and its half-open probe is the retry', async () => {
    const config = testConfig({
      router: { maxTier: 3, breaker: { failureThreshold: 1, cooldownMs: 5000, maxCooldownMs: 60_000 } },
    });
    const { router, adapters, advanceWhenWaiting } = setup(config);
    adapters.queue('deepseek', { error: rateLimited(8000) });
    await router.complete(research()); // a gateway caller: opens deepseek's breaker for 8 s, goes to opus
    assert.equal(router.explain(research()).breakers.deepseek.state, 'open');
    const pending = router.complete(scheduled());
    await advanceWhenWaiting(8000);
    const result = await pending;
    assert.equal(result.model, 'deepseek');
    assert.deepEqual(rows(result.trace.attempts), [
      ['deepseek', 'waited', 'breaker open'],
      ['deepseek', 'ok', undefined],
    ]);
    assert.equal(adapters.callsTo('opus'), 1, 'only the gateway request climbed');
  });

  test('a wait longer than maxWait is not taken: the request climbs', async () => {
    const { router, adapters } = setup();
    adapters.queue('deepseek', { error: rateLimited(60_000) });
    const result = await router.complete(scheduled());
    assert.equal(result.model, 'opus');
  });

  test('the wait is given up when the caller aborts, and the request is recorded as aborted', async () => {
    const { router, adapters, ledger, clock } = setup();
    adapters.queue('deepseek', { error: rateLimited(5000) });
    const controller = new AbortController();
    const pending = router.complete(scheduled({ signal: controller.signal }));
    await waitFor(() => clock.pendingTimers > 0);
    controller.abort(new Error('run timed out'));
    await assert.rejects(pending, /run timed out/);
    assert.equal(clock.pendingTimers, 0, 'the wait timer is cleared');
    assert.equal(adapters.callsTo('opus'), 0);
    assert.equal(ledger.rows[0].request.errorCode, 'aborted');
  });

  test('waits add up to at most maxWait per request', async () => {
    const config = testConfig({
      router: {
        maxTier: 3,
        breaker: { failureThreshold: 3, cooldownMs: 5000, maxCooldownMs: 60_000 },
        failover: { scheduled: { maxWaitMs: 12_000 }, gateway: { maxWaitMs: 0 } },
      },
    });
    const { router, adapters, advanceWhenWaiting } = setup(config);
    adapters.setDefault('deepseek', { error: rateLimited(5000) });
    const pending = router.complete(scheduled());
    await advanceWhenWaiting(5000);
    await advanceWhenWaiting(5000);
    const result = await pending; // a third wait of 5 s would pass 12 s: it climbs
    assert.equal(result.model, 'opus');
    assert.equal(result.trace.attempts.filter((attempt) => attempt.outcome === 'waited').length, 2);
  });
});

describe('cost-aware failover: a cap on climbing', () => {
  const capped = (policy: NonNullable<PyramidConfig['router']['failover']>['scheduled']) =>
    testConfig({
      router: {
        maxTier: 3,
        breaker: { failureThreshold: 3, cooldownMs: 5000, maxCooldownMs: 60_000 },
        failover: { scheduled: { maxWaitMs: 0, ...policy }, gateway: { maxWaitMs: 0 } },
      },
    });

  test('maxClimb 0: a provider failure does not push the request up, and the decision is recorded', async () => {
    const { router, adapters, ledger } = setup(capped({ maxClimb: 0 }));
    adapters.queue('deepseek', { error: new ServerError('503', { provider: 'big', statusCode: 503 }) });
    const error = await router.complete(scheduled()).catch((caught) => caught);
    assert.ok(error instanceof AllCandidatesFailedError);
    assert.match(error.message, /opus: not climbed \(max_climb\)/);
    assert.equal(adapters.callsTo('opus'), 0);
    assert.deepEqual(rows(ledger.rows[0].attempts), [
      ['deepseek', 'error', 'server_error:503'],
      ['opus', 'not_climbed', 'max_climb'],
    ]);
    assert.match(
      error.trace.notes.join('\n'),
      /not climbing to opus \(tier 3\): .*at most 0 tiers above tier 2/,
    );
  });

  test('maxPrice: a provider failure does not push the request to a model above the price', async () => {
    const { router, adapters } = setup(capped({ maxPrice: 10 }));
    adapters.queue('flash', { error: new ServerError('503', { provider: 'cloud', statusCode: 503 }) });
    const result = await router.complete(scheduled({ task: 'summarize' }));
    assert.equal(result.model, 'deepseek', 'deepseek ($2/M output) is under the cap');
    adapters.queue('flash', { error: new ServerError('503', { provider: 'cloud', statusCode: 503 }) });
    adapters.queue('deepseek', { error: new ServerError('503', { provider: 'big', statusCode: 503 }) });
    const error = await router.complete(scheduled({ task: 'summarize' })).catch((caught) => caught);
    assert.ok(error instanceof AllCandidatesFailedError);
    assert.match(error.message, /opus: not climbed \(max_price\)/);
    assert.equal(adapters.callsTo('opus'), 0);
  });

  test('an inadequate answer still escalates past the cap: the cap is for provider failures only', async () => {
    const { router, adapters } = setup(capped({ maxClimb: 0 }));
    adapters.queue('deepseek', { text: '' });
    const result = await router.complete(scheduled());
    assert.equal(result.model, 'opus');
  });

  test('a task and a request (an agent) override the caller kind, field by field', async () => {
    const config = capped({ maxClimb: 0 });
    config.tasks.research = { name: 'research', tier: 2, failover: { maxClimb: 1 } };
    const { router, adapters } = setup(config);
    adapters.setDefault('deepseek', { error: new ServerError('503', { provider: 'big', statusCode: 503 }) });
    assert.equal((await router.complete(scheduled())).model, 'opus', "the task's maxClimb 1 wins");
    await assert.rejects(
      router.complete(scheduled({ failover: { maxClimb: 0 } })),
      AllCandidatesFailedError,
      "the agent's maxClimb 0 wins over the task's",
    );
    const gatewayConfig = testConfig();
    gatewayConfig.tasks.research = { name: 'research', tier: 2, failover: { maxClimb: 0 } };
    const gateway = setup(gatewayConfig);
    gateway.adapters.queue('deepseek', { error: rateLimited() });
    await assert.rejects(
      gateway.router.complete(research()),
      AllCandidatesFailedError,
      'a task cap binds gateway callers too',
    );
  });
});
