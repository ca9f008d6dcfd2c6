import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthThrottle } from '../../src/gateway/auth-throttle.ts';

describe('AuthThrottle under failures from many addresses', () => {
  test('remembers at most maxAddresses, dropping the addresses whose last failure is oldest', () => {
    const throttle = new AuthThrottle({ maxFailures: 2, windowMs: 60_000, maxAddresses: 100 });
    for (let index = 0; index < 1000; index++)
      throttle.recordFailure(`10.0.${index >> 8}.${index & 255}`, 1000);
    assert.ok(throttle.trackedAddresses <= 100, `tracks ${throttle.trackedAddresses} addresses`);
    // The newest addresses are still counted: a second failure throttles them.
    throttle.recordFailure('10.0.3.231', 1001);
    assert.ok(throttle.retryAfterMs('10.0.3.231', 1002) > 0);
  });

  test('a flood of distinct addresses costs constant work per failure, not a scan of every address', () => {
    // Default bound of 10,000 addresses; each failure past it used to scan (and copy) the whole map.
    // Counted, not timed: the steps taken through any Map's entries while 2,000 new addresses arrive at
    // the bound. A scan per failure is about 10,000 steps each; dropping the oldest is one or two.
    const throttle = new AuthThrottle({ maxFailures: 5, windowMs: 60_000 });
    for (let index = 0; index < 10_000; index++) throttle.recordFailure(`fd00::${index.toString(16)}`, 1000);
    const original = Map.prototype[Symbol.iterator];
    let steps = 0;
    Map.prototype[Symbol.iterator] = function counted(this: Map<unknown, unknown>) {
      const iterator = original.call(this);
      const next = iterator.next.bind(iterator);
      iterator.next = () => {
        steps++;
        return next();
      };
      return iterator;
    };
    try {
      for (let index = 0; index < 2000; index++) throttle.recordFailure(`fd01::${index.toString(16)}`, 1000);
    } finally {
      Map.prototype[Symbol.iterator] = original;
    }
    assert.ok(throttle.trackedAddresses <= 10_000);
    assert.ok(steps <= 2000 * 4, `${steps} steps through the map for 2,000 failures at the bound`);
    // The newest are the ones kept.
    throttle.recordFailure('fd01::7cf', 1001);
    assert.equal(throttle.trackedAddresses, 10_000);
  });

  test('addresses whose failures all left the window are forgotten', () => {
    const throttle = new AuthThrottle({ maxFailures: 3, windowMs: 1000, maxAddresses: 10 });
    for (let index = 0; index < 10; index++) throttle.recordFailure(`a${index}`, 0);
    throttle.recordFailure('late', 5000);
    assert.equal(throttle.trackedAddresses, 1);
    assert.equal(throttle.retryAfterMs('a0', 5000), 0);
  });
});
