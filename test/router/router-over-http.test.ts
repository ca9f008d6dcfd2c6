import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ChatStreamEvent } from '../../src/contracts/chat-result.ts';
import type { ModelConfig, ProviderConfig, PyramidConfig } from '../../src/contracts/pyramid-config.ts';
import { createLedger, type Ledger } from '../../src/ledger/index.ts';
import { createModelAdapter } from '../../src/providers/create-model-adapter.ts';
import { Router, type RouterTimers } from '../../src/router/router.ts';
import { openInlineStores } from '../../src/store/index.ts';
import { waitFor } from '../delivery/wait-for.ts';
import { fakeModelConfig, fakeProviderConfig } from '../fakes/fake-provider-config.ts';
import { refusedConnectionUrl } from '../fakes/refused-connection-url.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { ManualClock } from '../scheduler/manual-clock.ts';

const timeouts = { connectMs: 300, firstTokenMs: 300, totalMs: 3000 };

describe('router over real HTTP, with the SQLite ledger', () => {
  let home: string;
  let ollama: FakeModelServer;
  let openai: FakeModelServer;
  let anthropic: FakeModelServer;
  let stores: ReturnType<typeof openInlineStores>;
  let ledger: Ledger;
  let refused: string;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-router-'));
    [ollama, openai, anthropic] = await Promise.all([
      startFakeModelServer({ api: 'ollama' }),
      startFakeModelServer({ api: 'openai-completions' }),
      startFakeModelServer({ api: 'anthropic-messages' }),
    ]);
    refused = await refusedConnectionUrl();
    stores = openInlineStores(join(home, 'pyramid.db'));
  });

  after(async () => {
    await stores.close();
    await Promise.all([ollama.close(), openai.close(), anthropic.close()]);
    await rm(home, { recursive: true, force: true });
  });

  /** tier 0: [qwen on ollama, backup on a second provider], tier 1: flash (openai), tier 2: opus (anthropic). */
  function build(
    tier0Backup: { baseUrl: string } = { baseUrl: refused },
    clock: { now?: () => number; timers?: RouterTimers } = {},
  ) {
    const providers: Record<string, ProviderConfig> = {
      local: fakeProviderConfig(ollama, { name: 'local', timeouts }),
      backup: fakeProviderConfig(
        { api: 'ollama', baseUrl: tier0Backup.baseUrl },
        { name: 'backup', timeouts },
      ),
      cloud: fakeProviderConfig(openai, { name: 'cloud', timeouts }),
      frontier: fakeProviderConfig(anthropic, { name: 'frontier', timeouts }),
    };
    const models: Record<string, ModelConfig> = {
      qwen: fakeModelConfig(providers.local, {
        name: 'qwen',
        id: 'qwen3:14b',
        reasoning: true,
        cost: { input: 0, output: 0, cacheRead: 0 },
      }),
      backup: fakeModelConfig(providers.backup, {
        name: 'backup',
        cost: { input: 0, output: 0, cacheRead: 0 },
      }),
      flash: fakeModelConfig(providers.cloud, {
        name: 'flash',
        cost: { input: 0.3, output: 2.5, cacheRead: 0.075 },
      }),
      opus: fakeModelConfig(providers.frontier, {
        name: 'opus',
        cost: { input: 15, output: 75, cacheRead: 1.5 },
      }),
    };
    const config: PyramidConfig = {
      providers,
      models,
      tiers: [['qwen', 'backup'], ['flash'], ['opus']],
      tasks: { default: { name: 'default', tier: 0 }, summarize: { name: 'summarize', tier: 1 } },
      router: { maxTier: 2, breaker: { failureThreshold: 3, cooldownMs: 5000, maxCooldownMs: 60_000 } },
    };
    ledger = createLedger({ store: stores.ledger, config });
    const router = new Router({
      config,
      ledger,
      ...clock,
      adapterFor: (name) =>
        createModelAdapter({ provider: providers[models[name].provider], model: models[name] }),
    });
    return router;
  }

  const messages = [{ role: 'user' as const, content: 'Label: my invoice is wrong' }];

  test('refused, hanging and failing providers fail over, each attempt committed to SQLite before the answer', async () => {
    const router = build();
    ollama.enqueue({ hang: true });
    openai.enqueue({ status: 503 });
    anthropic.enqueue({ text: 'billing', usage: { input: 20, output: 3 } });
    const started = Date.now();
    const result = await router.complete({ messages });
    assert.ok(Date.now() - started < 2000, 'a hang costs the connect timeout, not the total one');
    assert.equal(result.model, 'opus');
    assert.deepEqual(
      result.trace.attempts.map((a) => [a.model, a.reason]),
      [
        [
          'qwen',
          result.trace.attempts[0].reason?.startsWith('timeout:')
            ? result.trace.attempts[0].reason
            : 'timeout',
        ],
        ['backup', 'unreachable'],
        ['flash', 'server_error:503'],
        ['opus', undefined],
      ],
    );
    const stored = await ledger.getRequest(result.requestId);
    assert.ok(stored, 'the request is in the ledger when complete() resolves');
    assert.equal(stored.attempts.length, 4);
    assert.equal(stored.model, 'opus');
    assert.equal(stored.costUsd.toFixed(8), ((20 * 15 + 3 * 75) / 1e6).toFixed(8));
  });

  test('inline <think> and reasoning never reach the answer; reasoning tokens are counted', async () => {
    const router = build();
    ollama.enqueue({ text: 'bug', reasoning: 'They say it crashes.', inlineThink: true, chunkSize: 3 });
    const result = await router.complete({ messages });
    assert.equal(result.text, 'bug');
    assert.ok(result.usage.reasoning > 0);
  });

  test('a reasoning model that spends its budget thinking is retried with twice the tokens, then escalated', async () => {
    const router = build();
    ollama.enqueue({ emptyWithReasoning: true }, { emptyWithReasoning: true });
    const before = ollama.requests.length;
    const result = await router.complete({ messages, maxTokens: 100 });
    const budgets = ollama.requests
      .slice(before)
      .map((r) => (r.body as { options: { num_predict: number } }).options.num_predict);
    assert.deepEqual(budgets, [1024, 2048]);
    assert.equal(result.model, 'flash', 'escalation skips the rest of tier 0');
    assert.deepEqual(
      result.trace.attempts.slice(0, 2).map((a) => a.reason),
      ['length_no_text', 'length_no_text'],
    );
  });

  test('a stream cut after the first token ends with an error event, and is recorded as an error', async () => {
    const router = build();
    openai.enqueue({
      text: 'The quarterly numbers show a steady rise in',
      chunkSize: 5,
      chunkDelayMs: 20,
      cutAfterChunks: 3,
    });
    const events: ChatStreamEvent[] = [];
    for await (const event of router.stream({ task: 'summarize', messages })) events.push(event);
    assert.equal(events[0].type, 'start');
    const last = events.at(-1)!;
    assert.equal(last.type, 'error');
    const stored = await ledger.getRequest(last.type === 'error' ? last.trace.requestId : '');
    assert.equal(stored?.outcome, 'error');
  });

  test('a 429 with Retry-After fails over and keeps the model out for that long', async () => {
    const router = build();
    openai.enqueue({ status: 429, headers: { 'retry-after': '30' } });
    const first = await router.complete({ task: 'summarize', messages });
    assert.equal(first.model, 'opus');
    assert.equal(first.trace.attempts[0].reason, 'rate_limited:429');
    const breaker = router.explain({ task: 'summarize', messages }).breakers.flash;
    assert.equal(breaker.state, 'closed', 'one 429 is below the threshold...');
    openai.enqueue(
      { status: 429, headers: { 'retry-after': '30' } },
      { status: 429, headers: { 'retry-after': '30' } },
    );
    await router.complete({ task: 'summarize', messages });
    await router.complete({ task: 'summarize', messages });
    const opened = router.explain({ task: 'summarize', messages }).breakers.flash;
    assert.equal(opened.state, 'open');
    assert.ok(opened.retryAt! - Date.now() > 25_000, 'open for at least Retry-After');
  });

  test("a request the adapters cannot build is Pyramid's internal_error: no call, no breaker, no other model", async () => {
    const router = build({ baseUrl: openai.baseUrl.replace(/\/v1$/, '') });
    // Nested deep enough to overflow the stack of any serialiser: the request can never be built.
    let parameters: Record<string, unknown> = { type: 'string' };
    for (let depth = 0; depth < 200_000; depth++)
      parameters = { type: 'object', properties: { x: parameters } };
    const tools = [{ name: 'deep', parameters }];
    const before = [ollama, openai, anthropic].map((fake) => fake.requests.length);
    for (let n = 0; n < 3; n++) {
      const requestId = `deep-tools-${n}`;
      const error = await router.complete({ messages, tools, requestId }).catch((caught) => caught);
      assert.equal(error?.code, 'internal_error', String(error));
      const stored = await ledger.getRequest(requestId);
      assert.equal(stored?.errorCode, 'internal_error');
      assert.deepEqual(
        stored?.attempts.map((attempt) => [attempt.model, attempt.reason]),
        [['qwen', 'internal_error']],
        "recorded as Pyramid's, not as the provider's malformed_response",
      );
    }
    assert.deepEqual(
      [ollama, openai, anthropic].map((fake) => fake.requests.length),
      before,
      'nothing reached a provider',
    );
    const breakers = router.explain({ messages }).breakers;
    for (const model of ['qwen', 'backup', 'flash', 'opus']) {
      assert.equal(breakers[model].state, 'closed', model);
      assert.equal(breakers[model].consecutiveFailures, 0, model);
    }
  });

  test('a scheduled request waits out a real 429 Retry-After on the injected clock, then the same model answers', async () => {
    const clock = new ManualClock(Date.now());
    const router = build({ baseUrl: refused }, { now: () => clock.now(), timers: clock });
    openai.enqueue({ status: 429, headers: { 'retry-after': '5' } }, { text: 'summary' });
    const before = anthropic.requests.length;
    const flashAttempts = async () =>
      (await ledger.usage({ sinceMs: 0, untilMs: Number.MAX_SAFE_INTEGER, by: 'model' })).rows.find(
        (row) => row.key === 'flash',
      )?.attempts ?? 0;
    const attemptsBefore = await flashAttempts();
    const pending = router.complete({ task: 'summarize', messages, callerKind: 'scheduled' });
    await waitFor(() => clock.pendingTimers > 0, 10_000, 'the router to wait for Retry-After');
    await clock.advance(5000);
    const result = await pending;
    assert.equal(result.model, 'flash');
    assert.equal(anthropic.requests.length, before, 'nothing went up to the frontier tier');
    assert.deepEqual(
      result.trace.attempts.map((attempt) => [attempt.model, attempt.outcome, attempt.reason]),
      [
        ['flash', 'error', 'rate_limited:429'],
        ['flash', 'waited', 'rate_limited:429'],
        ['flash', 'ok', undefined],
      ],
    );
    const stored = await ledger.getRequest(result.requestId);
    assert.deepEqual(
      stored?.attempts.map((attempt) => [attempt.outcome, attempt.latencyMs]),
      [
        ['error', result.trace.attempts[0].latencyMs],
        ['waited', 5000],
        ['ok', result.trace.attempts[2].latencyMs],
      ],
      'the wait is a row in the SQLite ledger',
    );
    assert.equal(
      (await flashAttempts()) - attemptsBefore,
      2,
      'a wait is not counted as an attempt on the model',
    );
  });
});
