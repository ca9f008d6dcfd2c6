// An agent's daily spendCap is a spend-cap scope the router reserves against on every call of that
// agent's runs, like budgets.daily and budgets.perTag: concurrent runs cannot overshoot it together.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatRequest } from '../../src/contracts/chat-request.ts';
import { BudgetExceededError } from '../../src/contracts/errors/budget-exceeded-error.ts';
import type { AgentConfig, PyramidConfig } from '../../src/contracts/pyramid-config.ts';
import { Router } from '../../src/router/router.ts';
import { ScriptedAdapters } from './scripted-adapter.ts';
import { MemoryLedger, testConfig } from './test-config.ts';

const agent = (id: string, spendCapUsd?: number): AgentConfig => ({
  id,
  prompt: 'Work.',
  task: 'summarize',
  tools: [],
  mainSession: false,
  mainSessionTokens: 8000,
  maxSteps: 4,
  httpAllowedHosts: [],
  httpAllowPrivateAddresses: false,
  maxToolCalls: 8,
  deliver: [],
  ...(spendCapUsd === undefined ? {} : { spendCapUsd }),
});

/** A call of `id`'s run, as the agent runner makes it: flash at most 1000 output tokens ($0.002 plus input). */
const agentCall = (id: string): ChatRequest => ({
  task: 'summarize',
  maxTier: 1,
  maxTokens: 1000,
  messages: [{ role: 'user', content: 'hello' }],
  callerTag: id,
  callerKind: 'scheduled',
  agentId: id,
});

function setup(config: PyramidConfig) {
  const adapters = new ScriptedAdapters();
  const ledger = new MemoryLedger();
  const router = new Router({
    config,
    adapterFor: adapters.adapterFor,
    ledger,
    now: () => Date.parse('2026-11-28T10:00:00Z'),
  });
  return { adapters, ledger, router };
}

const outcomes = async (calls: Promise<unknown>[]) => {
  const settled = await Promise.allSettled(calls);
  const refusals = settled.flatMap((result) =>
    result.status === 'rejected' && result.reason instanceof BudgetExceededError ? [result.reason] : [],
  );
  return { ok: settled.filter((result) => result.status === 'fulfilled').length, refusals };
};

describe("an agent's spendCap in the router", () => {
  test('ten concurrent calls of one capped agent: at most five fit under $0.011, the rest are refused naming the agent', async () => {
    const { router, adapters, ledger } = setup(testConfig({ agents: { capped: agent('capped', 0.011) } }));
    adapters.setDefault('flash', { text: 'ok', delayMs: 20, usage: { input: 10, output: 1000 } });
    const { ok, refusals } = await outcomes(
      Array.from({ length: 10 }, () => router.complete(agentCall('capped'))),
    );
    assert.equal(ok + refusals.length, 10);
    assert.ok(ok >= 1 && ok <= 5, `${ok} calls went through`);
    assert.match(refusals[0].message, /^daily budget for agent "capped" reached: /);
    assert.equal(refusals[0].capUsd, 0.011);
    const spent = ledger.spentSince(0, 'capped');
    assert.ok(spent <= 0.011, `the agent spent $${spent} against a $0.011 cap`);
    const refusedRows = ledger.rows.filter((row) => row.request.errorCode === 'budget_exceeded');
    assert.equal(refusedRows.length, refusals.length, 'each refusal is a ledger row');
    assert.ok(refusedRows.every((row) => row.request.costUsd === 0 && row.attempts.length === 0));
  });

  test("the cap holds only on that agent's calls: another agent, and the same tag outside an agent run, go on", async () => {
    const { router, adapters } = setup(
      testConfig({ agents: { capped: agent('capped', 0.0001), free: agent('free') } }),
    );
    adapters.setDefault('flash', { text: 'ok' });
    await assert.rejects(router.complete(agentCall('capped')), BudgetExceededError);
    assert.equal((await router.complete(agentCall('free'))).model, 'flash');
    const { agentId: _, ...gatewayCall } = agentCall('capped');
    assert.equal((await router.complete(gatewayCall)).model, 'flash', 'budgets.perTag is the cap of a tag');
  });

  test('with a per-tag cap on the same id the lower cap holds, and the refusal names it', async () => {
    const tagLower = testConfig({
      agents: { capped: agent('capped', 0.01) },
      budgets: { perTag: { capped: 0.0001 }, onExceeded: 'refuse', capTier: 0 },
    });
    const first = setup(tagLower);
    first.adapters.setDefault('flash', { text: 'ok' });
    const byTag = await first.router.complete(agentCall('capped')).catch((error) => error);
    assert.ok(byTag instanceof BudgetExceededError);
    assert.match(byTag.message, /^daily budget for caller "capped" reached/);

    const agentLower = testConfig({
      agents: { capped: agent('capped', 0.0001) },
      budgets: { perTag: { capped: 0.01 }, onExceeded: 'refuse', capTier: 0 },
    });
    const second = setup(agentLower);
    second.adapters.setDefault('flash', { text: 'ok' });
    const byAgent = await second.router.complete(agentCall('capped')).catch((error) => error);
    assert.ok(byAgent instanceof BudgetExceededError);
    assert.match(byAgent.message, /^daily budget for agent "capped" reached/);
  });

  test("money spent under the agent's tag earlier in the day counts against its cap", async () => {
    const { router, adapters, ledger } = setup(testConfig({ agents: { capped: agent('capped', 0.004) } }));
    adapters.setDefault('flash', { text: 'ok', usage: { input: 0, output: 1000 } });
    const { agentId: _, ...tagOnly } = agentCall('capped');
    await router.complete(tagOnly); // $0.002 under the tag, outside any run: the day's spend starts there
    await router.complete(agentCall('capped')).catch(() => {});
    await assert.rejects(router.complete(agentCall('capped')), BudgetExceededError);
    assert.ok(ledger.spentSince(0, 'capped') <= 0.004 + 1e-12);
  });
});
