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

  test('a flood of distinct addresses costs constant time per failure, not a scan of every address', () => {
    // Default bound of 10,000 addresses; each failure past it used to scan (and copy) the whole map. The
    // same 2,000 new addresses are timed on a throttle at its bound and on an empty one: a scan per
    // failure makes the first hundreds of times slower, constant time about as fast. Best of five of
    // each, so a busy machine's pauses do not count; a ratio, so the machine's speed does not either.
    const fill = (throttle: AuthThrottle, count: number, prefix: string) => {
      for (let index = 0; index < count; index++)
        throttle.recordFailure(`${prefix}${index.toString(16)}`, 1000);
    };
    const best = (full: boolean) => {
      let fastest = Number.POSITIVE_INFINITY;
      for (let trial = 0; trial < 5; trial++) {
        const throttle = new AuthThrottle({ maxFailures: 5, windowMs: 60_000 });
        if (full) fill(throttle, 10_000, 'fd00::');
        const started = performance.now();
        fill(throttle, 2000, 'fd01::');
        fastest = Math.min(fastest, performance.now() - started);
        assert.ok(throttle.trackedAddresses <= 10_000);
      }
      return fastest;
    };
    const empty = best(false);
    const atBound = best(true);
    assert.ok(
      atBound < Math.max(empty, 0.5) * 20,
      `2,000 failures took ${atBound.toFixed(1)} ms at the bound, ${empty.toFixed(1)} ms below it`,
    );
  });

  test('addresses whose failures all left the window are forgotten', () => {
    const throttle = new AuthThrottle({ maxFailures: 3, windowMs: 1000, maxAddresses: 10 });
    for (let index = 0; index < 10; index++) throttle.recordFailure(`a${index}`, 0);
    throttle.recordFailure('late', 5000);
    assert.equal(throttle.trackedAddresses, 1);
    assert.equal(throttle.retryAfterMs('a0', 5000), 0);
  });
});
