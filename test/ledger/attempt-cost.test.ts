import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnknownModelError } from '../../src/contracts/errors/unknown-model-error.ts';
import { attemptCost } from '../../src/ledger/attempt-cost.ts';
import { assertUsd } from './approx.ts';
import { config, usage } from './fixture-data.ts';

describe('attemptCost', () => {
  it('bills uncached input at input, cached input at cacheRead, and reasoning as output', () => {
    // mid: $3 input, $15 output, $0.30 cache read per million.
    // 1,000,000 input of which 400,000 cached; 20,000 output + 10,000 reasoning.
    const cost = attemptCost(config, 'mid', usage(1_000_000, 20_000, 10_000, 400_000));
    assertUsd(cost, 600_000 * 3e-6 + 400_000 * 0.3e-6 + 30_000 * 15e-6); // 1.8 + 0.12 + 0.45
    assertUsd(cost, 2.37);
  });

  it('is zero for a free local model and for no tokens', () => {
    assert.equal(attemptCost(config, 'local', usage(50_000, 9_000, 1_000)), 0);
    assert.equal(attemptCost(config, 'top', usage(0)), 0);
  });

  it('names the valid models when asked for an unknown one', () => {
    assert.throws(
      () => attemptCost(config, 'gpt-9', usage(1)),
      (error) =>
        error instanceof UnknownModelError && error.valid.includes('cheap-b') && /gpt-9/.test(error.message),
    );
  });
});
