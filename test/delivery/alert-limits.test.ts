// The Alerter with shared rate limits: the store decides and its held-back count rides along; while
// the store cannot answer, this process's own limits decide (neither silence nor a flood).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertLimitStore } from '../../src/contracts/alert-limit-store.ts';
import { Alerter } from '../../src/delivery/alerter.ts';
import type { OutboxMessage } from '../../src/delivery/outbox.ts';

const config = {
  targets: [{ channel: 'tg', to: '1' }],
  jobFailures: 3,
  repeatMs: 15 * 60_000,
  maxPerHour: 5,
  settleMs: 0,
};

function alerterWith(limits: AlertLimitStore) {
  const sent: OutboxMessage[] = [];
  const alerter = new Alerter({
    outbox: {
      async enqueue(message) {
        sent.push(message);
        return ['id'];
      },
    },
    config,
    now: () => 1000,
    limits,
  });
  return { alerter, sent };
}

describe('alerts under shared rate limits', () => {
  it('sends what the store allows, with its held-back count, and passes it the configured limits', async () => {
    const asked: unknown[] = [];
    const answers = [
      { send: false, heldBack: 0 },
      { send: true, heldBack: 4 },
    ];
    const { alerter, sent } = alerterWith({
      async take(subject, now, limits) {
        asked.push({ subject, now, limits });
        return answers.shift() ?? { send: true, heldBack: 0 };
      },
    });
    alerter.alert('job:x:failing', 'first');
    alerter.alert('job:x:failing', 'second', { ignoreRepeat: true });
    await alerter.settled();
    assert.deepEqual(
      sent.map((message) => message.text),
      ['second\n\n(4 similar alerts held back since the last one)'],
    );
    assert.deepEqual(asked[1], {
      subject: 'job:x:failing',
      now: 1000,
      limits: { repeatMs: 15 * 60_000, maxPerHour: 5, ignoreRepeat: true },
    });
  });

  it("while the store cannot answer, this process's own limits decide", async () => {
    const { alerter, sent } = alerterWith({
      take: () => Promise.reject(new Error('store unreachable')),
    });
    for (let n = 0; n < 3; n++) alerter.alert('job:x:failing', `attempt ${n}`);
    await alerter.settled();
    assert.deepEqual(
      sent.map((message) => message.text),
      ['attempt 0'],
      'one per subject per repeat window, as with one process',
    );
  });
});
