import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestBaselines } from '../../src/ledger/request-baselines.ts';
import { assertUsd } from './approx.ts';
import { attempt, config, request, usage } from './fixture-data.ts';

// Prices per million (fixture-data.ts): local 0/0, cheap 1/2, cheap-b 2/4, mid 3/15, top 15/75.
const tokens = usage(2000, 1000);
const onCheap = (2000 * 1 + 1000 * 2) / 1e6; // 0.004
const onMid = (2000 * 3 + 1000 * 15) / 1e6; // 0.021
const onTop = (2000 * 15 + 1000 * 75) / 1e6; // 0.105

describe('requestBaselines', () => {
  it('prices a tier-0 answer on the top tier, and on the cheapest cloud model of any tier from 1', () => {
    const attempts = [attempt('local', 'ok', tokens)];
    const result = requestBaselines(config, request('r', attempts, { startedAt: 0, startTier: 0 }), attempts);
    assertUsd(result.topTierCostUsd, onTop);
    assertUsd(result.cheapestCloudCostUsd, onCheap);
    assert.equal(result.climbedFromTier, undefined, 'answered where it started');
    assert.deepEqual(result.perAttempt, { topTierCostUsd: [onTop], cheapestCloudCostUsd: [onCheap] });
  });

  it("takes the cheapest model of the request's tiers, never one below its start tier", () => {
    const attempts = [attempt('mid', 'ok', tokens)];
    const result = requestBaselines(config, request('r', attempts, { startedAt: 0, startTier: 2 }), attempts);
    assertUsd(result.cheapestCloudCostUsd, onMid, 'mid, not cheap: a tier-2 task may not run on tier 1');
    // Within a tier every model counts, not only the first: cheap-b costs more than cheap here.
    const inTier1 = requestBaselines(
      { ...config, tiers: [['local'], ['cheap-b', 'cheap'], ['mid'], ['top']] },
      request('r', attempts, { startedAt: 0, startTier: 1 }),
      attempts,
    );
    assertUsd(inTier1.cheapestCloudCostUsd, onCheap);
  });

  it('a request pushed past its tier by a failure climbed; priced there, the extra is what the failure cost', () => {
    const attempts = [attempt('mid', 'error'), attempt('top', 'ok', tokens)];
    const req = request('r', attempts, { startedAt: 0, startTier: 2 });
    const result = requestBaselines(config, req, attempts);
    assert.equal(result.climbedFromTier, 2);
    assertUsd(result.climbPlannedCostUsd, onMid);
    assertUsd(req.costUsd - (result.climbPlannedCostUsd ?? 0), onTop - onMid);
    assert.deepEqual(result.perAttempt.topTierCostUsd, [0, onTop]);
  });

  it('a tier skipped without an attempt (breaker open) is a climb too: the start tier says where it was headed', () => {
    const attempts = [attempt('mid', 'ok', tokens)];
    const result = requestBaselines(config, request('r', attempts, { startedAt: 0, startTier: 1 }), attempts);
    assert.equal(result.climbedFromTier, 1);
    assertUsd(result.climbPlannedCostUsd, onCheap);
  });

  it('an escalation after an inadequate answer is not a climb; a failure above it is, from the tier above it', () => {
    const escalated = [attempt('local', 'inadequate', usage(500, 0, 200)), attempt('cheap', 'ok', tokens)];
    const plain = requestBaselines(
      config,
      request('r', escalated, { startedAt: 0, startTier: 0 }),
      escalated,
    );
    assert.equal(plain.climbedFromTier, undefined);

    const both = [
      attempt('local', 'inadequate', usage(500, 0, 200)),
      attempt('cheap', 'error', usage(100)),
      attempt('mid', 'ok', tokens),
    ];
    const result = requestBaselines(config, request('r', both, { startedAt: 0, startTier: 0 }), both);
    assert.equal(result.climbedFromTier, 1);
    // The inadequate tier-0 answer (free) would have happened anyway; the failed cheap call would not.
    assertUsd(result.climbPlannedCostUsd, 0 + onCheap);
  });

  it('a reasoning retry on the same model is no escalation past its tier', () => {
    const attempts = [attempt('cheap', 'inadequate', usage(100)), attempt('cheap', 'ok', tokens)];
    const result = requestBaselines(config, request('r', attempts, { startedAt: 0, startTier: 1 }), attempts);
    assert.equal(result.climbedFromTier, undefined);
  });

  it('a failed request costs what it cost in every baseline, each attempt its own', () => {
    const attempts = [attempt('cheap', 'error', usage(100)), attempt('mid', 'error', usage(100))];
    const req = request('r', attempts, { startedAt: 0, startTier: 1 });
    const result = requestBaselines(config, req, attempts);
    assertUsd(result.topTierCostUsd, 0.0004);
    assertUsd(result.cheapestCloudCostUsd, 0.0004);
    assert.deepEqual(result.perAttempt.topTierCostUsd, [0.0001, 0.0003]);
    assert.equal(result.climbedFromTier, undefined);
  });

  it("without a start tier in the record, takes the task's tier from the config, else the first attempt's", () => {
    const attempts = [attempt('mid', 'ok', tokens)];
    const withTasks = {
      ...config,
      tasks: { summarize: { name: 'summarize', tier: 1 }, default: { name: 'default', tier: 0 } },
    };
    const req = request('r', attempts, { startedAt: 0 });
    assert.equal(requestBaselines(withTasks, req, attempts).climbedFromTier, 1);
    assertUsd(requestBaselines(withTasks, req, attempts).cheapestCloudCostUsd, onCheap);
    assert.equal(requestBaselines(config, req, attempts).climbedFromTier, undefined);
    assertUsd(requestBaselines(config, req, attempts).cheapestCloudCostUsd, onMid);
  });

  it('with one tier there is no cloud model: the cheapest-cloud baseline is the actual cost', () => {
    const oneTier = { models: config.models, tiers: [['local', 'cheap']] };
    const attempts = [attempt('local', 'error'), attempt('cheap', 'ok', tokens)];
    const req = request('r', attempts, { startedAt: 0, startTier: 0 });
    const result = requestBaselines(oneTier, req, attempts);
    assertUsd(result.cheapestCloudCostUsd, req.costUsd);
    assertUsd(result.topTierCostUsd, 0, 'the only tier is the top one, and its first model is free');
  });
});
