import type { ModelConfig, ModelCost, PyramidConfig } from '../../src/contracts/pyramid-config.ts';
import type { RequestRecord } from '../../src/contracts/request-ledger.ts';
import type { Attempt, AttemptOutcome } from '../../src/contracts/trace.ts';
import { addUsage, type Usage, zeroUsage } from '../../src/contracts/usage.ts';
import { attemptCost } from '../../src/ledger/attempt-cost.ts';

const model = (name: string, cost: ModelCost): ModelConfig => ({
  name,
  provider: name === 'local' ? 'ollama' : 'cloud',
  id: name,
  reasoning: false,
  minOutputTokens: 1024,
  cost,
});

/** Four tiers with round prices (USD per million tokens), so expected costs can be worked out by hand. */
export const config: Pick<PyramidConfig, 'models' | 'tiers'> = {
  models: {
    local: model('local', { input: 0, output: 0, cacheRead: 0 }),
    cheap: model('cheap', { input: 1, output: 2, cacheRead: 0.1 }),
    'cheap-b': model('cheap-b', { input: 2, output: 4, cacheRead: 0.2 }),
    mid: model('mid', { input: 3, output: 15, cacheRead: 0.3 }),
    top: model('top', { input: 15, output: 75, cacheRead: 1.5 }),
  },
  tiers: [['local'], ['cheap', 'cheap-b'], ['mid'], ['top']],
};

const tierOf = (name: string) => config.tiers.findIndex((models) => models.includes(name));

export const usage = (input: number, output = 0, reasoning = 0, cachedInput = 0): Usage => ({
  input,
  output,
  reasoning,
  cachedInput,
});

/** An attempt on a fixture model, priced by attemptCost. */
export function attempt(
  name: string,
  outcome: AttemptOutcome,
  tokens: Usage = zeroUsage(),
  extra: Partial<Attempt> = {},
): Attempt {
  return {
    model: name,
    provider: config.models[name].provider,
    tier: tierOf(name),
    outcome,
    startedAt: 0,
    latencyMs: 120.5,
    usage: tokens,
    costUsd: attemptCost(config, name, tokens),
    ...(outcome !== 'ok' && { reason: outcome === 'error' ? 'unreachable' : 'empty_answer' }),
    ...extra,
  };
}

/** A request over its attempts, as the router would record it: usage and cost summed, answered by the last ok attempt. */
export function request(
  requestId: string,
  attempts: Attempt[],
  extra: Partial<RequestRecord> & { startedAt: number },
): RequestRecord {
  const answer = attempts.findLast((a) => a.outcome === 'ok');
  return {
    requestId,
    task: 'summarize',
    resolvedTask: 'summarize',
    finishedAt: extra.startedAt + 1000,
    outcome: answer ? 'ok' : 'error',
    ...(answer ? { model: answer.model, tier: answer.tier } : { errorCode: 'all_candidates_failed' }),
    usage: attempts.reduce((sum, a) => addUsage(sum, a.usage), zeroUsage()),
    costUsd: attempts.reduce((sum, a) => sum + a.costUsd, 0),
    ...extra,
  };
}

const hour = 3_600_000;
export const day0 = Date.UTC(2025, 0, 10);
export const day1 = day0 + 24 * hour;
export const day2 = day1 + 24 * hour;

/**
 * The known data set (costs worked out in test/ledger/create-ledger.test.ts):
 * three answers at tier 0, two at tier 1 (one after an inadequate tier-0 answer, one after a failover),
 * one at tier 2 after tier 0, one failed request, and one request before the window.
 */
export function dataSet(): Array<[RequestRecord, Attempt[]]> {
  const entries: Array<[string, Attempt[], Partial<RequestRecord> & { startedAt: number }]> = [
    ['r1', [attempt('local', 'ok', usage(1000, 500))], { startedAt: day0, callerTag: 'alpha' }],
    ['r2', [attempt('local', 'ok', usage(2000, 1000))], { startedAt: day0 + 2 * hour, callerTag: 'alpha' }],
    [
      'r3',
      [attempt('local', 'ok', usage(400_000, 100_000))],
      { startedAt: day1 + hour, callerTag: 'beta', task: 'triage', resolvedTask: 'default' },
    ],
    [
      'r4',
      [attempt('local', 'inadequate', usage(1000, 0, 300)), attempt('cheap', 'ok', usage(1000, 500))],
      { startedAt: day1 + 2 * hour, callerTag: 'beta', task: 'code', resolvedTask: 'code' },
    ],
    [
      'r5',
      [attempt('cheap', 'error'), attempt('cheap-b', 'ok', usage(100_000, 1000, 500, 10_000))],
      { startedAt: day1 + 3 * hour, task: 'code', resolvedTask: 'code' },
    ],
    [
      'r6',
      [attempt('local', 'inadequate', usage(2000)), attempt('mid', 'ok', usage(2000, 1000))],
      { startedAt: day2, callerTag: 'alpha', task: 'code', resolvedTask: 'code' },
    ],
    [
      'r7',
      [attempt('local', 'error'), attempt('cheap', 'error', usage(100)), attempt('mid', 'error', usage(100))],
      { startedAt: day2 + 24 * hour - 1, callerTag: 'alpha' },
    ],
    ['r8', [attempt('cheap', 'ok', usage(1000))], { startedAt: day0 - 1, callerTag: 'alpha' }],
  ];
  return entries.map(([id, attempts, extra]) => [request(id, attempts, extra), attempts]);
}
