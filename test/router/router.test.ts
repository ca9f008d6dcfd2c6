import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatRequest } from '../../src/contracts/chat-request.ts';
import type { ChatStreamEvent } from '../../src/contracts/chat-result.ts';
import { AllCandidatesFailedError } from '../../src/contracts/errors/all-candidates-failed-error.ts';
import { AuthError } from '../../src/contracts/errors/auth-error.ts';
import { BudgetExceededError } from '../../src/contracts/errors/budget-exceeded-error.ts';
import { InternalError } from '../../src/contracts/errors/internal-error.ts';
import { RateLimitedError } from '../../src/contracts/errors/rate-limited-error.ts';
import { ServerError } from '../../src/contracts/errors/server-error.ts';
import { TimeoutError } from '../../src/contracts/errors/timeout-error.ts';
import { UnknownModelError } from '../../src/contracts/errors/unknown-model-error.ts';
import { UnreachableError } from '../../src/contracts/errors/unreachable-error.ts';
import type { PyramidConfig } from '../../src/contracts/pyramid-config.ts';
import type { RequestLedger } from '../../src/contracts/request-ledger.ts';
import { BreakerBoard } from '../../src/router/breaker-board.ts';
import { Router } from '../../src/router/router.ts';
import { waitFor } from '../delivery/wait-for.ts';
import { ScriptedAdapters } from './scripted-adapter.ts';
import { MemoryLedger, testConfig, testProvider } from './test-config.ts';

const ask = (task?: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  task,
  messages: [{ role: 'user', content: 'hello' }],
  ...extra,
});

function setup(config: PyramidConfig = testConfig()) {
  const adapters = new ScriptedAdapters();
  const ledger = new MemoryLedger();
  let now = Date.parse('2026-11-28T10:00:00Z');
  const clock = { advance: (ms: number) => (now += ms) };
  const router = new Router({ config, adapterFor: adapters.adapterFor, ledger, now: () => now });
  return { adapters, ledger, router, clock };
}

const unreachable = (model: string) => new UnreachableError('connect ECONNREFUSED', { provider: 'p', model });
const serverError = () => new ServerError('503 Service Unavailable', { provider: 'p', statusCode: 503 });

async function collect(events: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const out: ChatStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('plan', () => {
  test('starts at the task minimum tier, in failover order, then every higher tier', () => {
    const { router } = setup();
    assert.deepEqual(
      router.explain(ask('classify')).candidates.map((c) => [c.model, c.tier]),
      [
        ['qwen', 0],
        ['llama', 0],
        ['flash', 1],
        ['deepseek', 2],
        ['opus', 3],
      ],
    );
    assert.deepEqual(
      router.explain(ask('research')).candidates.map((c) => c.model),
      ['deepseek', 'opus'],
    );
  });

  test('an unknown task type uses default, with a note in the trace', async () => {
    const { router } = setup();
    const result = await router.complete(ask('translate'));
    assert.equal(result.trace.task, 'translate');
    assert.equal(result.trace.resolvedTask, 'default');
    assert.match(result.trace.notes.join('\n'), /unknown task type "translate"/);
    assert.equal(result.model, 'qwen');
  });

  test('maxTier on the request caps the plan; tier:<n> starts there', () => {
    const { router } = setup();
    assert.deepEqual(
      router.explain(ask('classify', { maxTier: 1 })).candidates.map((c) => c.model),
      ['qwen', 'llama', 'flash'],
    );
    assert.deepEqual(
      router.explain(ask(undefined, { startTier: 2 })).candidates.map((c) => c.model),
      ['deepseek', 'opus'],
    );
    assert.throws(() => router.explain(ask(undefined, { startTier: 7 })), UnknownModelError);
  });
});

describe('failover', () => {
  test('a provider failure moves to the next candidate and every attempt is in the trace and ledger', async () => {
    const { router, adapters, ledger } = setup();
    adapters.queue('qwen', { error: unreachable('qwen') });
    const result = await router.complete(ask('classify'));
    assert.equal(result.model, 'llama');
    assert.equal(result.tier, 0);
    assert.deepEqual(
      result.trace.attempts.map((a) => [a.model, a.outcome, a.reason]),
      [
        ['qwen', 'error', 'unreachable'],
        ['llama', 'ok', undefined],
      ],
    );
    assert.equal(ledger.rows.length, 1);
    assert.equal(ledger.rows[0].attempts.length, 2);
    assert.equal(ledger.rows[0].request.outcome, 'ok');
    assert.equal(ledger.rows[0].request.model, 'llama');
  });

  test('unreachable opens the breaker at once: the next request skips the model without a call', async () => {
    const { router, adapters } = setup();
    adapters.queue('qwen', { error: unreachable('qwen') });
    await router.complete(ask('classify'));
    const second = await router.complete(ask('classify'));
    assert.equal(adapters.callsTo('qwen'), 1);
    assert.equal(second.model, 'llama');
    assert.match(second.trace.notes.join('\n'), /skipped qwen: breaker open/);
  });

  test('other retryable failures open the breaker after the threshold', async () => {
    const { router, adapters } = setup();
    adapters.setDefault('qwen', { error: serverError() });
    for (let i = 0; i < 3; i++) await router.complete(ask('classify'));
    assert.equal(adapters.callsTo('qwen'), 3);
    assert.equal(router.explain(ask('classify')).breakers.qwen.state, 'open');
    await router.complete(ask('classify'));
    assert.equal(adapters.callsTo('qwen'), 3);
  });

  test('non-retryable failures fail over without counting against the breaker', async () => {
    const { router, adapters } = setup();
    adapters.setDefault('qwen', { error: new AuthError('401', { provider: 'local', statusCode: 401 }) });
    for (let i = 0; i < 4; i++) await router.complete(ask('classify'));
    assert.equal(adapters.callsTo('qwen'), 4);
    assert.equal(router.explain(ask('classify')).breakers.qwen.state, 'closed');
  });

  test('cool-down starts at 5 s, doubles on each failed probe up to 60 s, and one good probe closes it', async () => {
    const { router, adapters, clock } = setup();
    adapters.setDefault('qwen', { error: unreachable('qwen') });
    await router.complete(ask('classify'));
    const cooldowns: number[] = [router.explain(ask()).breakers.qwen.cooldownMs];
    for (let i = 0; i < 5; i++) {
      clock.advance(cooldowns.at(-1)!);
      await router.complete(ask('classify'));
      cooldowns.push(router.explain(ask()).breakers.qwen.cooldownMs);
    }
    assert.deepEqual(cooldowns, [5000, 10_000, 20_000, 40_000, 60_000, 60_000]);
    const callsBefore = adapters.callsTo('qwen');
    clock.advance(30_000); // still open
    await router.complete(ask('classify'));
    assert.equal(adapters.callsTo('qwen'), callsBefore);
    clock.advance(30_000);
    adapters.setDefault('qwen', { text: 'back' });
    const probe = await router.complete(ask('classify'));
    assert.equal(probe.model, 'qwen');
    assert.equal(router.explain(ask()).breakers.qwen.state, 'closed');
    assert.equal(router.explain(ask()).breakers.qwen.cooldownMs, 5000);
  });

  test('a 429 keeps the breaker open at least for Retry-After', async () => {
    const { router, adapters } = setup(
      testConfig({
        router: { maxTier: 3, breaker: { failureThreshold: 1, cooldownMs: 5000, maxCooldownMs: 60_000 } },
      }),
    );
    adapters.queue('qwen', {
      error: new RateLimitedError('429', { provider: 'local', statusCode: 429, retryAfterMs: 30_000 }),
    });
    await router.complete(ask('classify'));
    const breaker = router.explain(ask()).breakers.qwen;
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.retryAt! - Date.parse('2026-11-28T10:00:00Z'), 30_000);
  });

  test('when every candidate is open, the one that failed longest ago is tried anyway', async () => {
    const { router, adapters, clock } = setup();
    for (const model of ['qwen', 'llama', 'flash', 'deepseek', 'opus']) {
      adapters.queue(model, { error: unreachable(model) });
      clock.advance(100);
    }
    await assert.rejects(router.complete(ask('classify')), AllCandidatesFailedError);
    clock.advance(1000);
    const result = await router.complete(ask('classify'));
    assert.equal(result.model, 'qwen');
    assert.match(result.trace.notes.join('\n'), /trying qwen, which failed longest ago/);
  });

  test('every candidate failing is an AllCandidatesFailedError whose trace lists each attempt, and it is recorded', async () => {
    const { router, adapters, ledger } = setup();
    for (const model of ['qwen', 'llama', 'flash', 'deepseek', 'opus'])
      adapters.queue(model, { error: serverError() });
    const error = await router.complete(ask('classify')).catch((caught) => caught);
    assert.ok(error instanceof AllCandidatesFailedError);
    assert.equal(error.trace.attempts.length, 5);
    assert.match(error.message, /qwen: server_error:503/);
    assert.equal(ledger.rows[0].request.outcome, 'error');
    assert.equal(ledger.rows[0].request.errorCode, 'all_candidates_failed');
    assert.equal(ledger.rows[0].attempts.length, 5);
  });

  test('a model whose provider has no key is skipped with the reason visible', async () => {
    const config = testConfig();
    config.providers.cloud = testProvider('cloud', 'env:GEMINI_API_KEY is not set');
    const { router, adapters } = setup(config);
    const plan = router.explain(ask('summarize'));
    assert.equal(plan.candidates[0].available, false);
    assert.equal(plan.candidates[0].note, 'env:GEMINI_API_KEY is not set');
    const result = await router.complete(ask('summarize'));
    assert.equal(result.model, 'deepseek');
    assert.equal(adapters.callsTo('flash'), 0);
    assert.match(result.trace.notes.join('\n'), /skipped flash: env:GEMINI_API_KEY is not set/);
  });
});

describe('escalation', () => {
  test('an empty answer escalates to the next tier, skipping the rest of the tier', async () => {
    const { router, adapters } = setup();
    adapters.queue('qwen', { text: '  ' });
    const result = await router.complete(ask('classify'));
    assert.equal(result.model, 'flash');
    assert.equal(adapters.callsTo('llama'), 0);
    assert.deepEqual(
      result.trace.attempts.map((a) => [a.model, a.outcome, a.reason]),
      [
        ['qwen', 'inadequate', 'empty_answer'],
        ['flash', 'ok', undefined],
      ],
    );
  });

  test('a reasoning model that spent its budget thinking is retried once with twice the budget, then escalated', async () => {
    const { router, adapters } = setup();
    adapters.queue('qwen', { text: '', finishReason: 'length' }, { text: '', finishReason: 'length' });
    const result = await router.complete(ask('classify', { maxTokens: 1500 }));
    assert.deepEqual(
      adapters.calls.filter((c) => c.model === 'qwen').map((c) => c.call.maxTokens),
      [1500, 3000],
    );
    assert.equal(result.model, 'flash');
    assert.deepEqual(
      result.trace.attempts.map((a) => a.reason),
      ['length_no_text', 'length_no_text', undefined],
    );
  });

  test('the retry with twice the budget can succeed on the same model', async () => {
    const { router, adapters } = setup();
    adapters.queue('qwen', { text: '', finishReason: 'length' }, { text: 'billing' });
    const result = await router.complete(ask('classify'));
    assert.equal(result.model, 'qwen');
    assert.equal(result.text, 'billing');
  });

  test('invalid JSON and schema mismatches escalate when structured output was asked for', async () => {
    const { router, adapters } = setup();
    const schema = { type: 'object', properties: { label: { type: 'string' } }, required: ['label'] };
    adapters.queue('qwen', { text: 'label: billing' });
    adapters.queue('flash', { text: '{"tag": "billing"}' });
    adapters.queue('deepseek', { text: '```json\n{"label": "billing"}\n```' });
    const result = await router.complete(
      ask('classify', { responseFormat: { type: 'json-schema', schema } }),
    );
    assert.equal(result.model, 'deepseek');
    assert.deepEqual(
      result.trace.attempts.map((a) => a.reason),
      ['invalid_json', 'schema_mismatch', undefined],
    );
  });

  test('an explicit escalation request starts above the tier that answered, with the reason recorded', async () => {
    const { router } = setup();
    const result = await router.complete(
      ask('classify', { escalation: { fromTier: 0, reason: 'answer lacked citations' } }),
    );
    assert.equal(result.tier, 1);
    assert.match(result.trace.notes.join('\n'), /escalation requested from tier 0: answer lacked citations/);
  });

  test('an inadequate answer at the top tier is a failure, not a success', async () => {
    const { router, adapters } = setup();
    adapters.queue('opus', { text: '' });
    await assert.rejects(router.complete(ask('strategy')), AllCandidatesFailedError);
  });

  test('a pinned model fails over within its tier only and never escalates', async () => {
    const { router, adapters } = setup();
    adapters.queue('qwen', { error: unreachable('qwen') });
    const failover = await router.complete(ask(undefined, { model: 'qwen' }));
    assert.equal(failover.model, 'llama');
    adapters.queue('flash', { text: '' });
    const empty = await router.complete(ask(undefined, { model: 'flash' }));
    assert.equal(empty.model, 'flash');
    assert.equal(adapters.callsTo('deepseek'), 0);
    assert.throws(
      () => router.explain(ask(undefined, { model: 'gpt-9' })),
      /unknown model "gpt-9"; valid: qwen, llama/,
    );
  });
});

describe('token budget guard', () => {
  test("a reasoning model's max tokens are raised to minOutputTokens, noted in the trace", async () => {
    const { router, adapters } = setup();
    const result = await router.complete(ask(undefined, { maxTokens: 200 }));
    assert.equal(adapters.calls[0].call.maxTokens, 1024);
    assert.match(result.trace.notes.join('\n'), /qwen: max tokens raised from 200 to 1024/);
    adapters.queue('qwen', { error: unreachable('qwen') });
    await router.complete(ask(undefined, { maxTokens: 200 }));
    assert.equal(adapters.calls.at(-1)!.call.maxTokens, 200, 'a non-reasoning model keeps the asked budget');
  });

  test('with reasoning off the model does not think, so the asked budget stands', async () => {
    const { router, adapters } = setup();
    await router.complete(ask('classify', { maxTokens: 200, reasoning: 'off' }));
    assert.equal(adapters.calls[0].call.maxTokens, 200);
  });

  test("the task's reasoning level reaches the adapter", async () => {
    const { router, adapters } = setup();
    await router.complete(ask('classify'));
    assert.equal(adapters.calls[0].call.reasoning, 'off');
  });
});

describe('streaming', () => {
  test('failover before the first visible token is invisible to the caller', async () => {
    const { router, adapters } = setup();
    adapters.queue('qwen', { error: new TimeoutError('first-token', 50, { provider: 'local' }) });
    adapters.queue('llama', { chunks: ['Hel', 'lo'] });
    const events = await collect(router.stream(ask('classify')));
    assert.deepEqual(events.slice(0, 3), [
      {
        type: 'start',
        requestId: events[0].type === 'start' ? events[0].requestId : '',
        model: 'llama',
        tier: 0,
      },
      { type: 'text-delta', text: 'Hel' },
      { type: 'text-delta', text: 'lo' },
    ]);
    const done = events.at(-1)!;
    assert.equal(done.type, 'done');
    if (done.type === 'done') {
      assert.equal(done.result.text, 'Hello');
      assert.equal(done.result.trace.attempts[0].reason, 'timeout:first-token');
    }
  });

  test('a failure after the first visible token ends the stream with an error event, never a silent success', async () => {
    const { router, adapters, ledger } = setup();
    adapters.queue('qwen', { chunks: ['partial '], errorAfterChunks: unreachable('qwen') });
    const events = await collect(router.stream(ask('classify')));
    assert.deepEqual(
      events.map((e) => e.type),
      ['start', 'text-delta', 'error'],
    );
    assert.equal(adapters.callsTo('llama'), 0);
    const last = events.at(-1)!;
    if (last.type === 'error') assert.equal(last.error.code, 'unreachable');
    assert.equal(ledger.rows[0].request.outcome, 'error');
  });

  test('complete() streams upstream too, so a stream cut after some text still fails over', async () => {
    const { router, adapters } = setup();
    adapters.queue('qwen', { chunks: ['half an ans'], errorAfterChunks: unreachable('qwen') });
    const result = await router.complete(ask('classify'));
    assert.equal(result.model, 'llama');
    assert.equal(result.text, 'ok from llama');
    assert.ok(adapters.calls.every((call) => call.mode === 'stream'));
  });

  test('an empty stream escalates transparently', async () => {
    const { router, adapters } = setup();
    adapters.queue('qwen', { chunks: [] });
    const events = await collect(router.stream(ask('classify')));
    assert.equal(events[0].type === 'start' && events[0].model, 'flash');
  });

  test('structured output is checked whole before any of it is sent', async () => {
    const { router, adapters } = setup();
    adapters.queue('qwen', { chunks: ['not ', 'json'] });
    adapters.queue('flash', { chunks: ['{"a":', '1}'] });
    const events = await collect(router.stream(ask('classify', { responseFormat: { type: 'json' } })));
    assert.deepEqual(
      events.filter((e) => e.type === 'text-delta').map((e) => (e.type === 'text-delta' ? e.text : '')),
      ['{"a":1}'],
    );
  });

  test('failures before the first token, on every candidate, are thrown', async () => {
    const { router, adapters } = setup();
    for (const model of ['qwen', 'llama', 'flash', 'deepseek', 'opus'])
      adapters.queue(model, { error: serverError() });
    await assert.rejects(collect(router.stream(ask('classify'))), AllCandidatesFailedError);
  });

  test('a caller that stops reading cancels the upstream call and the request is still recorded', async () => {
    const { router, adapters, ledger } = setup();
    adapters.queue('qwen', { chunks: ['a', 'b', 'c'] });
    for await (const event of router.stream(ask('classify'))) {
      if (event.type === 'text-delta') break;
    }
    assert.equal(adapters.calls[0].call.signal?.aborted, true);
    assert.equal(ledger.rows.length, 1);
    assert.equal(ledger.rows[0].request.errorCode, 'aborted');
  });
});

describe('spend caps', () => {
  const budgets = (extra: Partial<NonNullable<PyramidConfig['budgets']>>) =>
    testConfig({ budgets: { dailyUsd: 0.01, perTag: {}, onExceeded: 'refuse', capTier: 0, ...extra } });

  test('concurrent requests cannot overshoot the cap: the worst case is reserved before each call', async () => {
    // Each flash call may cost up to 1000 output tokens * $2/M = $0.002 plus input: five fit under $0.011, not ten.
    const { router, adapters } = setup(budgets({ dailyUsd: 0.011 }));
    adapters.setDefault('flash', { text: 'ok', delayMs: 20 });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => router.complete(ask('summarize', { maxTokens: 1000, maxTier: 1 }))),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter(
      (r) => r.status === 'rejected' && r.reason instanceof BudgetExceededError,
    ).length;
    assert.equal(ok + refused, 10);
    assert.ok(ok >= 1 && ok <= 5, `${ok} requests went through`);
    assert.ok(refused >= 5);
  });

  test('at the cap, refuse mode refuses with a clear error', async () => {
    const { router, adapters } = setup(budgets({ dailyUsd: 0.0001 }));
    adapters.setDefault('flash', { text: 'ok', usage: { input: 100, output: 100 } });
    await router.complete(ask('summarize', { maxTokens: 10 }));
    const error = await router.complete(ask('classify')).catch((caught) => caught);
    assert.ok(error instanceof BudgetExceededError);
    assert.equal(error.code, 'budget_exceeded');
    assert.match(error.message, /daily budget for all callers reached/);
    assert.match(error.message, /of \$0\.000100;/, 'a cap under a cent is shown, not rounded to $0.00');
  });

  test('cap-tier mode keeps the cheap tiers running and refuses the ones above', async () => {
    const { router, adapters } = setup(budgets({ dailyUsd: 0.0001, onExceeded: 'cap-tier', capTier: 0 }));
    adapters.setDefault('flash', { text: 'ok', usage: { input: 100, output: 100 } });
    await router.complete(ask('summarize', { maxTokens: 10 }));
    const cheap = await router.complete(ask('classify'));
    assert.equal(cheap.tier, 0);
    await assert.rejects(router.complete(ask('summarize')), BudgetExceededError);
  });

  test('per-tag caps apply to that caller only', async () => {
    const { router, adapters } = setup(
      testConfig({ budgets: { perTag: { spender: 0.0001 }, onExceeded: 'refuse', capTier: 0 } }),
    );
    adapters.setDefault('flash', { text: 'ok', usage: { input: 100, output: 100 } });
    await router.complete(ask('summarize', { callerTag: 'spender', maxTokens: 10 }));
    await assert.rejects(router.complete(ask('summarize', { callerTag: 'spender' })), BudgetExceededError);
    const other = await router.complete(ask('summarize', { callerTag: 'frugal' }));
    assert.equal(other.model, 'flash');
  });
});

describe('accounting', () => {
  test('usage and cost are summed over every attempt, failed and inadequate ones included', async () => {
    const { router, adapters, ledger } = setup();
    adapters.queue('flash', { text: '', usage: { input: 1000, output: 0 } });
    adapters.queue('deepseek', {
      text: 'fine',
      usage: { input: 1000, output: 500, cachedInput: 400, reasoning: 100 },
    });
    const result = await router.complete(ask('summarize'));
    // flash: 1000 * $1/M = 0.001; deepseek: 600*$1 + 400*$0.5 + 600*$2 per M = 0.0006 + 0.0002 + 0.0012
    assert.equal(result.costUsd.toFixed(6), '0.003000');
    assert.deepEqual(result.usage, { input: 2000, output: 500, reasoning: 100, cachedInput: 400 });
    assert.equal(ledger.rows[0].request.costUsd, result.costUsd);
  });

  test('the ledger row is written before the caller gets the result', async () => {
    // A ledger whose write becomes durable only later, as SQLite's group commit and PostgreSQL's do:
    // a router that does not wait for record() hands out the result before the row exists.
    const config = testConfig();
    const adapters = new ScriptedAdapters();
    const durable: string[] = [];
    const ledger: RequestLedger = {
      record: (request) =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            durable.push(request.requestId);
            resolve();
          }, 0),
        ),
      spentSince: () => 0,
    };
    const router = new Router({ config, adapterFor: adapters.adapterFor, ledger });
    const result = await router.complete(ask('classify'));
    assert.deepEqual(durable, [result.requestId], 'the row was durable when complete() resolved');
    const failed = await router.complete(ask('classify', { model: 'gpt-9' })).catch((error) => error);
    assert.ok(failed instanceof UnknownModelError);
    adapters.setDefault('opus', { error: serverError() });
    const error = await router.complete(ask('strategy')).catch((caught) => caught);
    assert.ok(error instanceof AllCandidatesFailedError);
    assert.equal(durable.length, 2, 'a failed request is durable before the error is thrown, too');
    for await (const event of router.stream(ask('classify'))) {
      if (event.type === 'done') assert.equal(durable.at(-1), event.result.requestId);
    }
  });
});

describe('an attempt the caller cut short', () => {
  test('a caller that leaves a stream during a half-open probe frees the probe: the model is probed again', async () => {
    const { router, adapters, clock } = setup();
    adapters.queue('qwen', { error: unreachable('qwen') });
    await router.complete(ask('classify'));
    clock.advance(5000);
    adapters.queue('qwen', { chunks: ['a', 'b', 'c'] });
    for await (const event of router.stream(ask('classify'))) {
      if (event.type === 'text-delta') break;
    }
    assert.equal(adapters.callsTo('qwen'), 2);
    const next = await router.complete(ask('classify'));
    assert.equal(adapters.callsTo('qwen'), 3, 'the probe slot was never given back');
    assert.equal(next.model, 'qwen');
  });

  test('the attempt of a stream the caller left is in the ledger row, marked aborted', async () => {
    const { router, adapters, ledger } = setup();
    adapters.queue('qwen', { chunks: ['a', 'b', 'c'] });
    for await (const event of router.stream(ask('classify'))) {
      if (event.type === 'text-delta') break;
    }
    assert.equal(ledger.rows.length, 1);
    assert.deepEqual(
      ledger.rows[0].attempts.map((attempt) => [attempt.model, attempt.outcome, attempt.reason]),
      [['qwen', 'error', 'aborted']],
    );
  });

  test('spend-cap reservations are given back when the caller aborts or stops reading', async () => {
    // One flash call may cost up to $0.002 (1000 output tokens at $2/M plus input): one fits under $0.003, two do not.
    const { router, adapters } = setup(
      testConfig({ budgets: { dailyUsd: 0.003, perTag: {}, onExceeded: 'refuse', capTier: 0 } }),
    );
    const request = (signal?: AbortSignal) => ask('summarize', { maxTokens: 1000, maxTier: 1, signal });
    adapters.queue('flash', { text: 'slow', delayMs: 1000 });
    const controller = new AbortController();
    const aborted = router.complete(request(controller.signal));
    setTimeout(() => controller.abort(new Error('client went away')), 20);
    await assert.rejects(aborted, /client went away/);
    const afterAbort = await router.complete(request());
    assert.equal(afterAbort.model, 'flash');

    adapters.queue('flash', { chunks: ['a', 'b', 'c'], usage: { input: 0, output: 0 } });
    for await (const event of router.stream(request())) {
      if (event.type === 'text-delta') break;
    }
    adapters.queue('flash', { text: 'ok', usage: { input: 0, output: 0 } });
    const afterLeaving = await router.complete(request());
    assert.equal(afterLeaving.model, 'flash');
  });
});

describe('breakers under concurrency', () => {
  test('calls already in flight when the breaker opened do not double the cool-down as they fail', async () => {
    const { router, adapters } = setup();
    adapters.setDefault('qwen', { error: unreachable('qwen'), delayMs: 20 });
    await Promise.all([1, 2, 3].map(() => router.complete(ask('classify'))));
    assert.equal(adapters.callsTo('qwen'), 3);
    const breaker = router.explain(ask()).breakers.qwen;
    assert.equal(breaker.state, 'open');
    assert.equal(
      breaker.cooldownMs,
      5000,
      'three concurrent failures are one outage, not three failed probes',
    );
    assert.equal(breaker.retryAt! - Date.parse('2026-11-28T10:00:00Z'), 5000);
  });

  test('a call that was in flight before the breaker opened cannot give the probe slot away when it ends', async () => {
    const { router, adapters, clock } = setup();
    adapters.queue(
      'qwen',
      { text: 'slow, then aborted', delayMs: 1000 },
      { error: unreachable('qwen') },
      { text: 'the probe', delayMs: 300 },
      { text: 'a second probe' },
    );
    const controller = new AbortController();
    const stale = router.complete(ask('classify', { signal: controller.signal }));
    await router.complete(ask('classify')); // qwen unreachable: open
    clock.advance(5000);
    const probe = router.complete(ask('classify'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(adapters.callsTo('qwen'), 3);
    controller.abort(new Error('client went away'));
    await assert.rejects(stale, /client went away/);
    const during = await router.complete(ask('classify'));
    assert.equal(during.model, 'llama', 'a second request went to qwen while its probe was in flight');
    assert.equal((await probe).model, 'qwen');
  });

  test('a call sent before the breaker opened does not close it when it answers, and no "closed" is heard', async () => {
    const changes: string[] = [];
    const config = testConfig();
    const adapters = new ScriptedAdapters();
    let now = Date.parse('2026-11-28T10:00:00Z');
    const router = new Router({
      config,
      adapterFor: adapters.adapterFor,
      ledger: new MemoryLedger(),
      now: () => now,
      breakers: new BreakerBoard(config.router.breaker, {
        onChange: (model, state) => changes.push(`${model} ${state}`),
      }),
    });
    let finishSlow: (value?: unknown) => void = () => {};
    adapters.queue(
      'qwen',
      { text: 'sent before the outage', until: new Promise((resolve) => (finishSlow = resolve)) },
      { error: unreachable('qwen') },
    );
    const slow = router.complete(ask('classify'));
    await waitFor(() => adapters.callsTo('qwen') === 1);
    await router.complete(ask('classify')); // qwen unreachable: open
    finishSlow();
    assert.equal((await slow).model, 'qwen');
    assert.equal(router.explain(ask()).breakers.qwen.state, 'open', 'the stale success closed the breaker');
    assert.deepEqual(changes, ['qwen open']);
    now += 1000;
    assert.equal((await router.complete(ask('classify'))).model, 'llama', 'qwen is still skipped');
  });
});

describe("Pyramid's own errors", () => {
  test('an error thrown while building the request is an internal_error 500: no breaker, no other model', async () => {
    const { router, adapters, ledger } = setup();
    adapters.setDefault('qwen', {
      error: new InternalError('local/qwen: Pyramid could not build the request'),
    });
    for (let n = 0; n < 3; n++) {
      const error = await router.complete(ask('classify')).catch((caught) => caught);
      assert.ok(error instanceof InternalError, String(error));
      assert.equal(error.code, 'internal_error');
    }
    assert.equal(router.explain(ask()).breakers.qwen.state, 'closed');
    assert.equal(router.explain(ask()).breakers.qwen.consecutiveFailures, 0);
    assert.equal(adapters.callsTo('llama') + adapters.callsTo('flash'), 0, 'no other model was tried');
    assert.equal(ledger.rows.length, 3);
    assert.equal(ledger.rows[0].request.errorCode, 'internal_error');
    assert.deepEqual(
      ledger.rows[0].attempts.map((attempt) => [attempt.model, attempt.outcome, attempt.reason]),
      [['qwen', 'error', 'internal_error']],
    );
  });

  test("an unclassified exception from an adapter is Pyramid's too, not the provider's", async () => {
    const { router, adapters } = setup();
    adapters.setDefault('qwen', { error: new RangeError('Maximum call stack size exceeded') });
    for (let n = 0; n < 3; n++) await assert.rejects(router.complete(ask('classify')), InternalError);
    assert.equal(router.explain(ask()).breakers.qwen.state, 'closed');
    assert.equal(adapters.callsTo('llama'), 0);
  });
});
