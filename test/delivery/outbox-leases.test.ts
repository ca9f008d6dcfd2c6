import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Channel } from '../../src/delivery/channels/channel.ts';
import { createTelegramChannel } from '../../src/delivery/channels/telegram-channel.ts';
import type { Timers } from '../../src/delivery/timers.ts';
import { type FakeTelegram, startFakeTelegram } from './fake-telegram-server.ts';
import { botToken, openOutbox, tempDatabasePath } from './outbox-harness.ts';
import { waitFor } from './wait-for.ts';

describe('outbox: leases, retries and stopping', () => {
  let telegram: FakeTelegram;
  beforeEach(async () => {
    telegram = await startFakeTelegram(botToken);
  });
  afterEach(async () => {
    await telegram.close();
  });
  const tg = (perTargetMs: number) =>
    createTelegramChannel({
      name: 'tg',
      botToken,
      apiRoot: telegram.apiRoot,
      pacing: { perTargetMs, perSecond: 1000 },
    });

  it('stops sending a delivery whose lease another worker took while it waited between chunks', async () => {
    const path = tempDatabasePath();
    // The pause between chunks (400 ms) outlasts the lease (200 ms), and the second worker's clock runs
    // 300 ms ahead, so it finds the lease run out and takes the delivery over as soon as it starts.
    const first = openOutbox(path, [tg(400)], { leaseMs: 200 });
    const second = openOutbox(path, [tg(400)], { leaseMs: 200, now: () => Date.now() + 300 });
    try {
      const text = Array.from({ length: 4 }, (_, n) => `part ${n} ${'x'.repeat(3000)}`).join('\n\n');
      const [id] = await first.outbox.enqueue({
        kind: 'message',
        text,
        targets: [{ channel: 'tg', to: '42' }],
      });
      first.outbox.start();
      await waitFor(async () => (await first.outbox.get(id))?.chunksSent === 1, 5000, 'the first chunk');
      second.outbox.start();
      await waitFor(async () => (await first.outbox.get(id))?.state === 'delivered', 10_000, 'the delivery');
      await new Promise((resolve) => setTimeout(resolve, 900));
      const parts = telegram.accepted.map((message) => /part (\d)/.exec(message.text)?.[1]);
      assert.deepEqual(parts, ['0', '1', '2', '3'], 'each chunk once, in order');
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('does not call a delivery queued for an unconfigured channel delivered when it is retried later', async () => {
    const path = tempDatabasePath();
    const before = openOutbox(path, [tg(0)]);
    let id = '';
    try {
      [id] = await before.outbox.enqueue({
        kind: 'message',
        text: 'hello',
        targets: [{ channel: 'ops', to: '42' }],
      });
      assert.equal((await before.outbox.get(id))?.state, 'failed');
    } finally {
      await before.close();
    }
    // The channel is configured now, but nothing was rendered for it when the message was queued.
    const ops = createTelegramChannel({ name: 'ops', botToken, apiRoot: telegram.apiRoot });
    const after = openOutbox(path, [ops]);
    try {
      await assert.rejects(after.outbox.retry(id), { code: 'delivery_not_retryable' });
      await after.outbox.drain();
      const delivery = await after.outbox.get(id);
      assert.equal(delivery?.state, 'failed');
      assert.match(delivery?.lastError ?? '', /channel "ops" is not configured/);
      assert.equal(telegram.requests.length, 0);
    } finally {
      await after.close();
    }
  });

  it('does not spin while the only due delivery waits behind an older one another worker holds', async () => {
    const path = tempDatabasePath();
    const first = openOutbox(path, [tg(600)], { pollIntervalMs: 10_000 });
    let timersSet = 0;
    const counted: Timers = {
      setTimeout: (callback, ms) => {
        timersSet += 1;
        return setTimeout(callback, ms);
      },
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
    const second = openOutbox(path, [tg(600)], { pollIntervalMs: 50, timers: counted });
    try {
      const text = Array.from({ length: 2 }, (_, n) => `part ${n} ${'x'.repeat(3000)}`).join('\n\n');
      const [older] = await first.outbox.enqueue({
        kind: 'message',
        text,
        targets: [{ channel: 'tg', to: '42' }],
      });
      first.outbox.start();
      await waitFor(async () => (await first.outbox.get(older))?.chunksSent === 1, 5000, 'the first chunk');
      // The first worker holds the older delivery for a while (its next chunk is paced 600 ms later).
      second.outbox.start();
      const [newer] = await second.outbox.enqueue({
        kind: 'message',
        text: 'newer',
        targets: [{ channel: 'tg', to: '42' }],
      });
      timersSet = 0;
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(timersSet < 30, `the second worker set ${timersSet} timers in 300 ms`);
      await waitFor(
        async () => (await second.outbox.get(newer))?.state === 'delivered',
        5000,
        'the newer delivery',
      );
      assert.deepEqual(
        telegram.accepted.map((message) => /part (\d)|newer/.exec(message.text)?.[0]),
        ['part 0', 'part 1', 'newer'],
      );
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('stops without waiting for the next slot once the chunk in flight is accepted', async () => {
    let accept = () => {};
    let inFlight = false;
    const accepted: string[] = [];
    const slow: Channel = {
      name: 'slow',
      type: 'webhook',
      pacing: { perTargetMs: 3000, perSecond: 10 },
      render: () => ['one', 'two', 'three'],
      send: async (body) => {
        inFlight = true;
        await new Promise<void>((resolve) => {
          accept = resolve;
        });
        accepted.push(body);
        return {};
      },
    };
    const { outbox, close } = openOutbox(tempDatabasePath(), [slow]);
    try {
      const [id] = await outbox.enqueue({
        kind: 'message',
        text: 'x',
        targets: [{ channel: 'slow', to: '1' }],
      });
      outbox.start();
      await waitFor(() => inFlight, 2000, 'the first chunk to be in flight');
      const started = Date.now();
      const stopping = outbox.stop();
      accept();
      await stopping;
      const took = Date.now() - started;
      assert.ok(took < 1000, `stop took ${took} ms`);
      assert.deepEqual(accepted, ['one']);
      const delivery = await outbox.get(id);
      assert.equal(delivery?.state, 'pending');
      assert.equal(delivery?.chunksSent, 1);
    } finally {
      await close();
    }
  });
});
