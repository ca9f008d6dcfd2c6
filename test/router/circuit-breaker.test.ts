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

describe('circuit breaker: news from other processes', () => {
  test("another process's opening skips the model here until its retry time, without an alert of this breaker's", () => {
    const { breaker: subject, changes } = breaker();
    let heard = 0;
    subject.subscribe(() => heard++);
    const before = subject.tryAcquire(0)!;
    subject.adoptOpen(4000, 'unreachable', 10);
    assert.equal(subject.tryAcquire(100), undefined, 'skipped');
    assert.equal(subject.snapshot(100).lastFailureReason, 'unreachable');
    assert.equal(heard, 1, 'waiting requests hear it');
    subject.recordSuccess(before);
    assert.equal(subject.snapshot(200).state, 'open', 'a call sent before it cannot close it');
    assert.equal(subject.tryAcquire(4000)?.kind, 'probe', 'its own trial call at the retry time');
    assert.deepEqual(changes, [], 'the alert is the platform’s, not this breaker’s');
  });

  test('an opening elsewhere only moves an open retry time later; a probe in flight is left alone', () => {
    const { breaker: subject } = breaker();
    subject.recordFailure(0, 'unreachable', { immediate: true, permit: subject.ticket() });
    subject.adoptOpen(1000);
    assert.equal(subject.snapshot(1).retryAt, 5000, 'not earlier than its own');
    subject.adoptOpen(7000);
    assert.equal(subject.snapshot(1).retryAt, 7000);
    const probe = subject.tryAcquire(7000)!;
    subject.adoptOpen(20_000);
    subject.recordSuccess(probe);
    assert.equal(subject.snapshot(7001).state, 'closed', 'the probe told its own news');
  });

  test("another process's closing closes it, resets the cool-down and makes calls in flight stale", () => {
    const { breaker: subject, changes } = breaker();
    subject.recordFailure(0, 'unreachable', { immediate: true, permit: subject.ticket() });
    const probe = subject.tryAcquire(5000)!;
    subject.recordFailure(5001, 'unreachable', { permit: probe });
    assert.equal(subject.snapshot(5002).cooldownMs, 10_000);
    const late = subject.tryAcquire(15_001)!;
    subject.adoptClosed();
    assert.equal(subject.snapshot(15_002).state, 'closed');
    assert.equal(subject.snapshot(15_002).cooldownMs, 5000);
    subject.recordFailure(15_003, 'unreachable', { immediate: true, permit: late });
    assert.equal(subject.snapshot(15_004).state, 'closed', "the stale probe's failure does not reopen it");
    assert.deepEqual(changes, ['open']);
  });
});
