import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ChatStreamEvent } from '../../src/contracts/chat-result.ts';
import type { ModelConfig, ProviderConfig, PyramidConfig } from '../../src/contracts/pyramid-config.ts';
import { createLedger, type Ledger } from '../../src/ledger/index.ts';
import { createModelAdapter } from '../../src/providers/create-model-adapter.ts';
import { Router } from '../../src/router/router.ts';
import { openInlineStores } from '../../src/store/index.ts';
import { fakeModelConfig, fakeProviderConfig } from '../fakes/fake-provider-config.ts';
import { refusedConnectionUrl } from '../fakes/refused-connection-url.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';

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
  function build(tier0Backup: { baseUrl: string } = { baseUrl: refused }) {
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
});
