import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CircuitBreaker } from '../../src/router/circuit-breaker.ts';

const config = { failureThreshold: 3, cooldownMs: 5000, maxCooldownMs: 60_000 };

function breaker() {
  const changes: string[] = [];
  return { breaker: new CircuitBreaker(config, (state) => changes.push(state)), changes };
}

describe('circuit breaker permits', () => {
  test('a call sent before the breaker opened does not close it when it succeeds', () => {
    const { breaker: subject, changes } = breaker();
    const early = subject.tryAcquire(0)!;
    subject.recordFailure(10, 'unreachable', { immediate: true, permit: subject.tryAcquire(10)! });
    subject.recordSuccess(early);
    assert.equal(subject.snapshot(20).state, 'open');
    assert.deepEqual(changes, ['open'], 'no "closed" alert for a breaker that never closed');
  });

  test('a call sent while closed, after an opening and closing, neither reopens nor resets it', () => {
    const { breaker: subject } = breaker();
    const early = subject.tryAcquire(0)!;
    subject.recordFailure(10, 'unreachable', { immediate: true, permit: subject.tryAcquire(10)! });
    subject.recordSuccess(subject.tryAcquire(5010)!); // the probe closes it
    subject.recordFailure(5020, 'unreachable', { immediate: true, permit: early });
    assert.equal(subject.snapshot(5030).state, 'closed');
  });

  test('the half-open probe closes it; a current call counts as before', () => {
    const { breaker: subject, changes } = breaker();
    for (let n = 0; n < 3; n++)
      subject.recordFailure(n, 'server_error:503', { permit: subject.tryAcquire(n)! });
    assert.equal(subject.snapshot(3).state, 'open');
    assert.equal(subject.tryAcquire(100), undefined);
    const probe = subject.tryAcquire(5002)!;
    assert.equal(probe.kind, 'probe');
    subject.recordSuccess(probe);
    assert.equal(subject.snapshot(5003).state, 'closed');
    assert.deepEqual(changes, ['open', 'closed']);
  });

  test('a failed probe after a 429 reopens for exactly its Retry-After, not a doubled cool-down', () => {
    const { breaker: subject } = breaker();
    for (let n = 0; n < 3; n++)
      subject.recordFailure(n, 'rate_limited:429', { minCooldownMs: 5000, permit: subject.tryAcquire(n)! });
    assert.equal(subject.snapshot(2).retryAt, 2 + 5000);
    const probe = subject.tryAcquire(5002)!;
    subject.recordFailure(5003, 'rate_limited:429', { minCooldownMs: 5000, permit: probe });
    const snapshot = subject.snapshot(5004);
    assert.equal(snapshot.retryAt, 5003 + 5000, 'let through again as soon as the provider said');
    assert.equal(snapshot.cooldownMs, 5000);
    const second = subject.tryAcquire(10_003)!;
    subject.recordFailure(10_004, 'unreachable', { permit: second });
    assert.equal(subject.snapshot(10_005).cooldownMs, 10_000, 'without Retry-After the cool-down doubles');
  });

  test("an observer's failure while open (a health probe) neither doubles the cool-down nor holds it open", () => {
    const { breaker: subject } = breaker();
    subject.recordFailure(0, 'unreachable', { immediate: true, permit: subject.tryAcquire(0)! });
    subject.recordFailure(1000, 'probe:unreachable', { immediate: true, permit: subject.ticket() });
    const snapshot = subject.snapshot(1001);
    assert.equal(snapshot.retryAt, 5000);
    assert.equal(snapshot.cooldownMs, 5000);
  });

  test("a stale probe's success (it started before the breaker reopened) does not close it", () => {
    const { breaker: subject } = breaker();
    subject.recordFailure(0, 'unreachable', { immediate: true, permit: subject.tryAcquire(0)! });
    const observer = subject.ticket();
    subject.recordFailure(5001, 'unreachable', { permit: subject.tryAcquire(5001)! }); // the probe fails: reopened
    subject.recordSuccess(observer);
    assert.equal(subject.snapshot(5002).state, 'open');
  });
});
