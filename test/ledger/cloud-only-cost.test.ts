import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cloudOnlyCost } from '../../src/ledger/cloud-only-cost.ts';
import { assertUsd } from './approx.ts';
import { attempt, config, request, usage } from './fixture-data.ts';

const tokens = usage(100_000, 10_000, 2_000, 20_000);
// The same tokens on each tier's first model (input uncached 80,000; output + reasoning 12,000).
const onCheap = (80_000 * 1 + 20_000 * 0.1 + 12_000 * 2) / 1e6; // 0.106
const onMid = (80_000 * 3 + 20_000 * 0.3 + 12_000 * 15) / 1e6; // 0.426

describe('cloudOnlyCost', () => {
  it('prices a tier-0 answer on the first model of tier 1', () => {
    const attempts = [attempt('local', 'ok', tokens)];
    const result = cloudOnlyCost(config, request('r', attempts, { startedAt: 0 }), attempts);
    assertUsd(result.costUsd, onCheap);
    assert.equal(result.answeredIndex, 0);
    assert.deepEqual(result.perAttempt, [result.costUsd]);
  });

  it('prices a tier-1 answer by the second model on the FIRST model of tier 1, ignoring the failed attempts', () => {
    const attempts = [
      attempt('local', 'inadequate', usage(5_000, 0, 3_000)),
      attempt('cheap', 'error', usage(5_000)),
      attempt('cheap-b', 'ok', tokens),
    ];
    const req = request('r', attempts, { startedAt: 0 });
    const result = cloudOnlyCost(config, req, attempts);
    assertUsd(result.costUsd, onCheap);
    assert.equal(result.answeredIndex, 2);
    assert.deepEqual(result.perAttempt, [0, 0, result.costUsd]);
    assert.ok(req.costUsd > result.costUsd, 'the failover made the pyramid dearer than cloud-only');
  });

  it('prices a tier-2 answer on the first model of tier 2, so it costs what it cost', () => {
    const attempts = [attempt('local', 'inadequate', usage(3_000)), attempt('mid', 'ok', tokens)];
    const req = request('r', attempts, { startedAt: 0 });
    const result = cloudOnlyCost(config, req, attempts);
    assertUsd(result.costUsd, onMid);
    assertUsd(result.costUsd, req.costUsd);
    assert.deepEqual(result.perAttempt, [0, result.costUsd]);
  });

  it('counts a failed request at its actual cost, each attempt at its own', () => {
    const attempts = [
      attempt('local', 'error'),
      attempt('cheap', 'inadequate', usage(10_000, 500)),
      attempt('mid', 'error', usage(1_000)),
    ];
    const req = request('r', attempts, { startedAt: 0 });
    assert.equal(req.outcome, 'error');
    const result = cloudOnlyCost(config, req, attempts);
    assertUsd(result.costUsd, (10_000 + 1_000) / 1e6 + 3_000 / 1e6);
    assert.equal(result.answeredIndex, -1);
    assert.deepEqual(
      result.perAttempt,
      attempts.map((a) => a.costUsd),
    );
  });

  it('is the actual cost when the config has one tier', () => {
    const oneTier = { models: config.models, tiers: [['local', 'cheap']] };
    const attempts = [attempt('local', 'error'), attempt('cheap', 'ok', tokens)];
    const req = request('r', attempts, { startedAt: 0 });
    const result = cloudOnlyCost(oneTier, req, attempts);
    assertUsd(result.costUsd, req.costUsd);
    assert.equal(result.answeredIndex, 1);
  });

  it('is the actual cost when the config no longer has the answering tier', () => {
    const attempts = [attempt('top', 'ok', tokens)];
    const req = request('r', attempts, { startedAt: 0 });
    const shrunk = { models: config.models, tiers: [['local'], ['cheap']] };
    assertUsd(cloudOnlyCost(shrunk, req, attempts).costUsd, req.costUsd);
  });
});
