import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertsConfig } from '../../src/contracts/delivery.ts';
import { Alerter } from '../../src/delivery/alerter.ts';
import type { OutboxMessage } from '../../src/delivery/outbox.ts';
import { BreakerBoard } from '../../src/router/breaker-board.ts';
import { ManualClock } from '../scheduler/manual-clock.ts';

function harness(config: Partial<AlertsConfig> = {}) {
  let now = Date.UTC(2025, 0, 1);
  const sent: OutboxMessage[] = [];
  const alerter = new Alerter({
    outbox: {
      async enqueue(message) {
        sent.push(message);
        return ['id'];
      },
    },
    config: {
      targets: [{ channel: 'tg', to: '1' }],
      jobFailures: 3,
      repeatMs: 15 * 60_000,
      maxPerHour: 5,
      settleMs: 0,
      ...config,
    },
    now: () => now,
  });
  return { alerter, sent, advance: (ms: number) => (now += ms) };
}

describe('alerts', () => {
  it('alerts when a breaker opens and closes, through the breaker board hook', () => {
    const { alerter, sent } = harness();
    const board = new BreakerBoard(
      { failureThreshold: 1, cooldownMs: 10, maxCooldownMs: 100 },
      { onChange: (model, state, reason) => alerter.breakerChanged(model, state, reason) },
    );
    const breaker = board.get('deepseek-v3');
    breaker.recordFailure(0, 'HTTP 503', { permit: breaker.ticket() });
    breaker.recordFailure(1, 'HTTP 503', { permit: breaker.ticket() }); // already open: no second alert
    breaker.recordSuccess(breaker.ticket());
    assert.equal(sent.length, 2);
    assert.match(sent[0].text, /Breaker open.*deepseek-v3.*HTTP 503/);
    assert.match(sent[1].text, /Breaker closed.*deepseek-v3/);
    assert.deepEqual(sent[0].targets, [{ channel: 'tg', to: '1' }]);
    assert.equal(sent[0].kind, 'alert');
  });

  it('holds back repeats of one subject within the repeat window and reports how many were held', () => {
    const { alerter, sent, advance } = harness();
    for (let n = 0; n < 10; n++) {
      alerter.alert('breaker:m:open', 'Breaker open for m');
      advance(60_000);
    }
    assert.equal(sent.length, 1, 'one subject alerts once per 15 minutes');
    advance(6 * 60_000);
    alerter.alert('breaker:m:open', 'Breaker open for m');
    assert.equal(sent.length, 2);
    assert.match(sent[1].text, /9 similar alerts held back/);
  });

  it('caps alerts per hour over all subjects', () => {
    const { alerter, sent, advance } = harness({ maxPerHour: 5 });
    for (let n = 0; n < 20; n++) alerter.breakerChanged(`model-${n}`, 'open');
    assert.equal(sent.length, 5);
    advance(3_600_000);
    alerter.breakerChanged('model-19', 'closed');
    assert.equal(sent.length, 6);
  });

  it('alerts once when a job fails N times in a row, and when it recovers', () => {
    const { alerter, sent } = harness({ jobFailures: 3 });
    alerter.jobFinished({ jobId: 'brief', runId: 'r1', ok: false, error: 'timeout' });
    alerter.jobFinished({ jobId: 'brief', runId: 'r2', ok: false });
    alerter.jobFinished({ jobId: 'brief', runId: 'r3', ok: true });
    assert.equal(sent.length, 0, 'a success resets the count');
    for (const runId of ['r4', 'r5', 'r6', 'r7'])
      alerter.jobFinished({ jobId: 'brief', runId, ok: false, error: 'boom' });
    assert.equal(sent.length, 1);
    assert.match(sent[0].text, /brief.*failed 3 times in a row.*r6: boom/);
    alerter.jobFinished({ jobId: 'brief', runId: 'r8', ok: true });
    assert.equal(sent.length, 2);
    assert.match(sent[1].text, /recovered/);
  });

  it('sends nothing without alert targets', () => {
    const { alerter, sent } = harness({ targets: [] });
    alerter.breakerChanged('m', 'open');
    assert.equal(sent.length, 0);
  });

  it('alerts a breaker state only once it has held: a close that reopens within seconds is not sent, and the next alert says so', async () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 1));
    const sent: OutboxMessage[] = [];
    const alerter = new Alerter({
      outbox: {
        async enqueue(message) {
          sent.push(message);
          return ['id'];
        },
      },
      config: {
        targets: [{ channel: 'tg', to: '1' }],
        jobFailures: 3,
        repeatMs: 15 * 60_000,
        maxPerHour: 20,
        settleMs: 5000,
      },
      now: () => clock.now(),
      timers: clock,
    });
    alerter.breakerChanged('deepseek', 'open', 'rate_limited:429');
    assert.equal(sent.length, 0, 'not before it held');
    await clock.advance(5000);
    assert.equal(sent.length, 1);
    assert.match(sent[0].text, /Breaker open.*deepseek.*rate_limited:429/);

    await clock.advance(60_000);
    alerter.breakerChanged('deepseek', 'closed');
    await clock.advance(2000);
    alerter.breakerChanged('deepseek', 'open', 'rate_limited:429'); // flapping: reopened after 2 s
    await clock.advance(60_000);
    assert.equal(sent.length, 1, 'no "answers again" while it was still rate-limiting');

    alerter.breakerChanged('deepseek', 'closed');
    await clock.advance(5000);
    assert.equal(sent.length, 2);
    assert.match(sent[1].text, /Breaker closed.*deepseek.*answers again/);
    assert.match(sent[1].text, /it also closed 1 time for less than 5 s; not sent/);

    alerter.breakerChanged('deepseek', 'open', 'unreachable'); // a new outage, after the close was told
    await clock.advance(5000);
    assert.equal(
      sent.length,
      3,
      'the next opening is heard (the repeat limit is per state, and nothing false used it)',
    );
  });

  it('with settle 0 a change is sent at once', () => {
    const { alerter, sent } = harness({ settleMs: 0 });
    alerter.breakerChanged('m', 'open');
    assert.equal(sent.length, 1);
  });

  it('several processes hearing the same breaker change: the one that claims its epoch sends it, once', async () => {
    const claimed = new Set<string>();
    const claim = async (key: string) => !claimed.has(key) && claimed.add(key) !== undefined;
    const sent: OutboxMessage[] = [];
    const config: AlertsConfig = {
      targets: [{ channel: 'tg', to: '1' }],
      jobFailures: 3,
      repeatMs: 15 * 60_000,
      maxPerHour: 20,
      settleMs: 0,
    };
    const outbox = {
      async enqueue(message: OutboxMessage) {
        sent.push(message);
        return ['id'];
      },
    };
    const processes = [new Alerter({ outbox, config, claim }), new Alerter({ outbox, config, claim })];
    for (const alerter of processes) alerter.breakerChanged('m', 'open', 'unreachable', 1);
    for (const alerter of processes) alerter.breakerChanged('m', 'closed', undefined, 2);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      sent.map((message) => message.text.split(' for ')[0]),
      ['⚠️ **Breaker open**', '✅ **Breaker closed**'],
    );
    assert.deepEqual([...claimed], ['breaker:m:open:1', 'breaker:m:closed:2']);

    // A claim the store cannot take is sent all the same: twice rather than never.
    const unsure = new Alerter({
      outbox,
      config,
      claim: async () => Promise.reject(new Error('store down')),
    });
    unsure.breakerChanged('m', 'open', 'unreachable', 3);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sent.length, 3);
  });
});
