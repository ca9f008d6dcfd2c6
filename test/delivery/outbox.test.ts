import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createSlackChannel } from '../../src/delivery/channels/slack-channel.ts';
import { createTelegramChannel } from '../../src/delivery/channels/telegram-channel.ts';
import { type FakeSlack, startFakeSlack } from './fake-slack-server.ts';
import { type FakeTelegram, startFakeTelegram } from './fake-telegram-server.ts';
import { botToken, openOutbox, slackToken, tempDatabasePath } from './outbox-harness.ts';
import { telegramVisibleText } from './telegram-html-problems.ts';
import { waitFor } from './wait-for.ts';

const fastPacing = { perTargetMs: 0, perSecond: 1000 };
const longReport = Array.from(
  { length: 40 },
  (_, n) => `## Section ${n}\n\nFindings for **item ${n}** with <angle> & ampersand ${'detail '.repeat(40)}`,
).join('\n\n');

describe('outbox', () => {
  let telegram: FakeTelegram;
  let slack: FakeSlack;
  beforeEach(async () => {
    telegram = await startFakeTelegram(botToken);
    slack = await startFakeSlack(slackToken);
  });
  afterEach(async () => {
    await telegram.close();
    await slack.close();
  });
  const tg = (pacing = fastPacing) =>
    createTelegramChannel({ name: 'tg', botToken, apiRoot: telegram.apiRoot, pacing });
  const team = () =>
    createSlackChannel({ name: 'team', botToken: slackToken, apiUrl: slack.apiUrl, pacing: fastPacing });

  it('writes the delivery before the first send, then delivers every chunk in order', async () => {
    const { outbox, close } = openOutbox(tempDatabasePath(), [tg(), team()]);
    try {
      // Read as each request arrives (the inline store answers from this thread at once).
      const seenAtSend: Promise<string>[] = [];
      let ids: string[] = [];
      telegram.onRequest = () => {
        seenAtSend.push(outbox.get(ids[0]).then((delivery) => delivery?.state ?? 'missing'));
      };
      outbox.start();
      ids = await outbox.enqueueRunOutput({
        runId: 'run-1',
        jobId: 'morning-brief',
        agentId: 'analyst',
        text: longReport,
        targets: [
          { channel: 'tg', to: '42' },
          { channel: 'team', to: 'C0123', thread: '1700000000.000100' },
        ],
        meta: { tier: 1, model: 'gemini-flash', costUsd: 0.0012 },
      });
      assert.equal(await outbox.runStatus('run-1'), 'pending');
      await waitFor(
        async () => (await outbox.runStatus('run-1')) !== 'pending',
        10_000,
        'the run to be delivered',
      );
      assert.equal(await outbox.runStatus('run-1'), 'delivered');
      const statesAtSend = await Promise.all(seenAtSend);
      assert.ok(statesAtSend.every((state) => state === 'pending') && statesAtSend.length > 0);

      const delivery = await outbox.get(ids[0]);
      assert.ok(delivery && delivery.chunkCount > 1, 'the report needs several Telegram messages');
      assert.equal(delivery.chunksSent, delivery.chunkCount);
      assert.equal(telegram.accepted.length, delivery.chunkCount);
      assert.deepEqual(telegram.problems, []);
      assert.match(telegram.accepted[0].text, /^<b>analyst · morning-brief<\/b>\n\n<b>Section 0<\/b>/);
      assert.match(telegram.accepted.at(-1)?.text ?? '', /<i>tier 1 · gemini-flash · \$0\.0012<\/i>$/);
      const visible = telegram.accepted.map((message) => telegramVisibleText(message.text)).join('\n\n');
      for (let n = 0; n < 40; n++)
        assert.ok(visible.includes(`Findings for item ${n} with <angle> & ampersand`));

      assert.ok(slack.accepted.length >= 1);
      assert.ok(
        slack.accepted.every(
          (message) => message.channel === 'C0123' && message.threadTs === '1700000000.000100',
        ),
      );
      assert.match(slack.accepted[0].text, /^\*analyst · morning-brief\*/);
      assert.deepEqual(slack.problems, []);
    } finally {
      await close();
    }
  });

  it('waits for retry_after after a 429 before sending again', async () => {
    const { outbox, close } = openOutbox(tempDatabasePath(), [tg()]);
    try {
      telegram.script({ status: 429, retryAfter: 1 });
      outbox.start();
      const [id] = await outbox.enqueue({
        kind: 'message',
        text: 'hello',
        targets: [{ channel: 'tg', to: '42' }],
      });
      await waitFor(
        async () => (await outbox.get(id))?.state === 'delivered',
        5000,
        'delivery after the 429',
      );
      assert.equal(telegram.requests.length, 2);
      const gap = telegram.requests[1].at - telegram.requests[0].at;
      assert.ok(gap >= 950, `the retry came ${gap} ms after the 429, before retry_after (1 s)`);
      assert.equal((await outbox.get(id))?.attempts, 1);
    } finally {
      await close();
    }
  });

  it('sends (no output) for a message whose Markdown shows nothing, instead of delivering nothing', async () => {
    const { outbox, close } = openOutbox(tempDatabasePath(), [tg()]);
    try {
      const [id] = await outbox.enqueue({
        kind: 'message',
        text: '[notes]: https://example.com/notes',
        targets: [{ channel: 'tg', to: '42' }],
      });
      await outbox.drain();
      assert.equal((await outbox.get(id))?.state, 'delivered');
      assert.deepEqual(
        telegram.accepted.map((message) => message.text),
        ['(no output)'],
      );
    } finally {
      await close();
    }
  });

  it('retries 5xx with backoff and succeeds', async () => {
    const { outbox, close } = openOutbox(tempDatabasePath(), [tg()]);
    try {
      telegram.script({ status: 500 }, { status: 500 });
      outbox.start();
      const [id] = await outbox.enqueue({
        kind: 'message',
        text: 'hello',
        targets: [{ channel: 'tg', to: '42' }],
      });
      await waitFor(async () => (await outbox.get(id))?.state === 'delivered', 5000);
      assert.deepEqual(
        telegram.requests.map((request) => request.status),
        [500, 500, 200],
      );
    } finally {
      await close();
    }
  });

  it('stops at once on a permanent failure, with the reason, and never calls it delivered', async () => {
    const { outbox, close } = openOutbox(tempDatabasePath(), [tg()]);
    try {
      telegram.answerChat('404', { status: 400, description: 'Bad Request: chat not found' });
      telegram.answerChat('403', { status: 403, description: 'Forbidden: bot was blocked by the user' });
      outbox.start();
      const ids = await outbox.enqueueRunOutput({
        runId: 'run-2',
        jobId: 'j',
        agentId: 'a',
        text: 'hello',
        targets: [
          { channel: 'tg', to: '404' },
          { channel: 'tg', to: '403' },
        ],
      });
      await waitFor(async () => (await outbox.runStatus('run-2')) !== 'pending', 5000);
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(await outbox.runStatus('run-2'), 'failed');
      assert.equal(telegram.requests.length, 2, 'no retry after a permanent failure');
      assert.match((await outbox.get(ids[0]))?.lastError ?? '', /chat not found/);
      assert.match((await outbox.get(ids[1]))?.lastError ?? '', /blocked/);
    } finally {
      await close();
    }
  });

  it('gives up on a transient failure after the retry limit', async () => {
    const { outbox, close } = openOutbox(tempDatabasePath(), [tg()]);
    try {
      telegram.script(...Array.from({ length: 10 }, () => ({ status: 500 }) as const));
      outbox.start();
      const [id] = await outbox.enqueue({
        kind: 'message',
        text: 'hello',
        targets: [{ channel: 'tg', to: '42' }],
      });
      await waitFor(async () => (await outbox.get(id))?.state !== 'pending', 5000);
      const delivery = await outbox.get(id);
      assert.equal(delivery?.state, 'failed');
      assert.equal(delivery?.attempts, 4);
      assert.match(
        delivery?.lastError ?? '',
        /gave up after 4 attempts in a row: telegram: Internal Server Error/,
      );
      assert.equal(telegram.requests.length, 4);
    } finally {
      await close();
    }
  });

  it('is failed, not delivered, when one chunk of several is refused; retry resumes after the last accepted chunk', async () => {
    const { outbox, close } = openOutbox(tempDatabasePath(), [tg()]);
    try {
      telegram.script('ok', { status: 403, description: 'Forbidden: bot was blocked by the user' });
      const [id] = await outbox.enqueueRunOutput({
        runId: 'run-3',
        jobId: 'j',
        agentId: 'a',
        text: longReport,
        targets: [{ channel: 'tg', to: '42' }],
      });
      await outbox.drain();
      const failed = await outbox.get(id);
      assert.equal(failed?.state, 'failed');
      assert.equal(failed?.chunksSent, 1);
      assert.ok((failed?.chunkCount ?? 0) > 2);
      assert.equal(await outbox.runStatus('run-3'), 'failed');

      await outbox.retry(id);
      await outbox.drain();
      const delivered = await outbox.get(id);
      assert.equal(delivered?.state, 'delivered');
      assert.equal(telegram.accepted.length, delivered?.chunkCount, 'the first chunk is not sent twice');
    } finally {
      await close();
    }
  });

  it('delivers chunks Telegram cannot parse as plain text and notes it on the record; fails when plain text is refused too', async () => {
    const path = tempDatabasePath();
    const { outbox, close } = openOutbox(path, [tg()]);
    let ids: string[] = [];
    try {
      telegram.refuseHtml('Unsupported start tag "br" at byte offset 12');
      telegram.script('ok', 'ok', 'ok', { status: 400, description: 'Bad Request: message is too long' });
      ids = [
        ...(await outbox.enqueueRunOutput({
          runId: 'run-5',
          jobId: 'j',
          agentId: 'a',
          text: 'Prices are **up** < 5%',
          targets: [{ channel: 'tg', to: '42' }],
        })),
        ...(await outbox.enqueue({
          kind: 'message',
          text: 'second',
          targets: [{ channel: 'tg', to: '42' }],
        })),
      ];
      await outbox.drain();
      assert.deepEqual(
        telegram.accepted.map(({ text, parseMode }) => [text, parseMode]),
        [['a · j\n\nPrices are up < 5%', undefined]],
      );
      assert.equal(
        telegram.requests.length,
        4,
        'the second one is not retried after plain text is refused too',
      );
    } finally {
      await close();
      telegram.refuseHtml(undefined);
    }
    const reopened = openOutbox(path, [tg()]);
    try {
      const delivered = await reopened.outbox.get(ids[0]);
      assert.equal(delivered?.state, 'delivered');
      assert.equal(delivered?.lastError, undefined);
      assert.match(
        delivered?.note ?? '',
        /^sent as plain text: Telegram refused the HTML \(Bad Request: can't parse entities: Unsupported start tag "br"/,
      );
      const failed = await reopened.outbox.get(ids[1]);
      assert.equal(failed?.state, 'failed');
      assert.equal(failed?.note, undefined);
      assert.match(failed?.lastError ?? '', /message is too long .*plain text.*can't parse entities/);

      telegram.refuseHtml('Unsupported start tag "br" at byte offset 12');
      const [long] = await reopened.outbox.enqueue({
        kind: 'message',
        text: longReport,
        targets: [{ channel: 'tg', to: '42' }],
      });
      await reopened.outbox.drain();
      const chunked = await reopened.outbox.get(long);
      assert.equal(chunked?.state, 'delivered');
      const notes = (chunked?.note ?? '').split('; chunk ');
      assert.equal(notes.length, chunked?.chunkCount);
      assert.match(notes[0], /^chunk 1\/\d+ sent as plain text: Telegram refused the HTML/);
    } finally {
      telegram.refuseHtml(undefined);
      await reopened.close();
    }
  });

  it('reports partial when one target got the run and another failed, and records an unknown channel as failed', async () => {
    const { outbox, close } = openOutbox(tempDatabasePath(), [tg(), team()]);
    try {
      slack.script({ error: 'channel_not_found' });
      const ids = await outbox.enqueueRunOutput({
        runId: 'run-4',
        jobId: 'j',
        agentId: 'a',
        text: 'hello',
        targets: [
          { channel: 'tg', to: '42' },
          { channel: 'team', to: 'C404' },
          { channel: 'nowhere', to: 'x' },
        ],
      });
      await outbox.drain();
      assert.equal(await outbox.runStatus('run-4'), 'partial');
      assert.equal((await outbox.get(ids[1]))?.lastErrorCode, 'delivery_not_found');
      assert.match((await outbox.get(ids[2]))?.lastError ?? '', /channel "nowhere" is not configured/);
      assert.equal(await outbox.runStatus('no-such-run'), 'none');
    } finally {
      await close();
    }
  });

  it('keeps about one message a second per Telegram chat, without holding back other chats', async () => {
    const { outbox, close } = openOutbox(tempDatabasePath(), [tg({ perTargetMs: 1000, perSecond: 30 })]);
    try {
      outbox.start();
      const text = Array.from({ length: 3 }, (_, n) => `${n} ${'x'.repeat(3000)}`).join('\n\n');
      await outbox.enqueue({ kind: 'message', text, targets: [{ channel: 'tg', to: '1' }] });
      await outbox.enqueue({ kind: 'message', text: 'other chat', targets: [{ channel: 'tg', to: '2' }] });
      await waitFor(() => telegram.accepted.length === 4, 6000);
      const toFirst = telegram.accepted
        .filter((message) => message.chatId === '1')
        .map((message) => message.at);
      assert.equal(toFirst.length, 3);
      for (let n = 1; n < toFirst.length; n++) {
        assert.ok(
          toFirst[n] - toFirst[n - 1] >= 950,
          `messages to one chat ${toFirst[n] - toFirst[n - 1]} ms apart`,
        );
      }
      const other = telegram.accepted.find((message) => message.chatId === '2');
      assert.ok(other && other.at < toFirst[1], 'the other chat is not queued behind the first');
    } finally {
      await close();
    }
  });

  it('keeps the gap between messages to one chat as Telegram receives them, even when one is slow to land', async () => {
    const { outbox, close } = openOutbox(tempDatabasePath(), [tg({ perTargetMs: 1000, perSecond: 30 })]);
    try {
      // The first message is processed 400 ms late (a slow network, a busy server).
      telegram.script({ acceptAfterMs: 400 });
      outbox.start();
      const text = Array.from({ length: 2 }, (_, n) => `${n} ${'x'.repeat(3000)}`).join('\n\n');
      await outbox.enqueue({ kind: 'message', text, targets: [{ channel: 'tg', to: '1' }] });
      await waitFor(() => telegram.accepted.length === 2, 6000);
      const [first, second] = telegram.accepted.map((message) => message.at);
      assert.ok(second - first >= 1000, `the second landed ${second - first} ms after the first`);
    } finally {
      await close();
    }
  });

  it('does not hold back a chat queued while another chat waits for its next slot', async () => {
    const { outbox, close } = openOutbox(tempDatabasePath(), [tg({ perTargetMs: 1000, perSecond: 30 })]);
    try {
      outbox.start();
      const text = Array.from({ length: 2 }, (_, n) => `${n} ${'x'.repeat(3000)}`).join('\n\n');
      const [long] = await outbox.enqueue({ kind: 'message', text, targets: [{ channel: 'tg', to: '1' }] });
      await waitFor(
        async () => (await outbox.get(long))?.chunksSent === 1,
        5000,
        'the first chunk to chat 1',
      );
      // Chat 1 has booked its next slot, a second away; the channel itself is idle.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const queuedAt = Date.now();
      await outbox.enqueue({ kind: 'message', text: 'other chat', targets: [{ channel: 'tg', to: '2' }] });
      await waitFor(() => telegram.accepted.length === 3, 5000);
      const other = telegram.accepted.find((message) => message.chatId === '2');
      assert.ok(other && other.at - queuedAt < 500, `chat 2 waited ${(other?.at ?? 0) - queuedAt} ms`);
    } finally {
      await close();
    }
  });
});
