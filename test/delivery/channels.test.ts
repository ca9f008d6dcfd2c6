import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeliveryError } from '../../src/contracts/errors/delivery-error.ts';
import { createFileChannel } from '../../src/delivery/channels/file-channel.ts';
import { createSlackChannel } from '../../src/delivery/channels/slack-channel.ts';
import { createTelegramChannel } from '../../src/delivery/channels/telegram-channel.ts';
import { createWebhookChannel } from '../../src/delivery/channels/webhook-channel.ts';
import { type FakeSlack, startFakeSlack } from './fake-slack-server.ts';
import { type FakeTelegram, startFakeTelegram } from './fake-telegram-server.ts';
import { startFakeWebhook } from './fake-webhook-server.ts';

const botToken = '123456:TEST-telegram-token-abcdef';
const slackToken = 'xoxb-test-slack-token-123456';
const context = { deliveryId: 'd1', seq: 0 };

async function rejection(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DeliveryError, `expected a DeliveryError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the send to fail');
}

describe('telegram channel (grammY against a fake Bot API)', () => {
  let fake: FakeTelegram;
  before(async () => {
    fake = await startFakeTelegram(botToken);
  });
  after(() => fake.close());
  const channel = () => createTelegramChannel({ name: 'tg', botToken, apiRoot: fake.apiRoot });

  it('sends HTML to the chat and forum topic and returns the message id', async () => {
    const result = await channel().send(
      '<b>hi</b> &amp; bye',
      { channel: 'tg', to: '42', thread: '7' },
      context,
    );
    assert.equal(result.remoteId, '1');
    assert.deepEqual(
      fake.accepted.map(({ chatId, text, parseMode, threadId }) => ({ chatId, text, parseMode, threadId })),
      [{ chatId: '42', text: '<b>hi</b> &amp; bye', parseMode: 'HTML', threadId: 7 }],
    );
    assert.deepEqual(fake.problems, []);
  });

  it('reports 429 as transient with retry_after, 5xx as transient', async () => {
    fake.script({ status: 429, retryAfter: 3 }, { status: 500 });
    const limited = await rejection(channel().send('x', { channel: 'tg', to: '42' }, context));
    assert.equal(limited.code, 'delivery_rate_limited');
    assert.equal(limited.permanent, false);
    assert.equal(limited.retryAfterMs, 3000);
    const server = await rejection(channel().send('x', { channel: 'tg', to: '42' }, context));
    assert.equal(server.permanent, false);
    assert.equal(server.status, 500);
  });

  it('reports chat not found, bot blocked and a wrong token as permanent, never showing the token', async () => {
    fake.script(
      { status: 400, description: 'Bad Request: chat not found' },
      { status: 403, description: 'Forbidden: bot was blocked by the user' },
    );
    const missing = await rejection(channel().send('x', { channel: 'tg', to: '1' }, context));
    assert.equal(missing.permanent, true);
    assert.match(missing.message, /chat not found/);
    const blocked = await rejection(channel().send('x', { channel: 'tg', to: '1' }, context));
    assert.equal(blocked.code, 'delivery_forbidden');
    assert.match(blocked.message, /blocked/);
    const wrongToken = createTelegramChannel({
      name: 'tg',
      botToken: '999:wrong-token-xyz',
      apiRoot: fake.apiRoot,
    });
    const unauthorized = await rejection(wrongToken.send('x', { channel: 'tg', to: '1' }, context));
    assert.equal(unauthorized.code, 'delivery_unauthorized');
    assert.equal(unauthorized.permanent, true);
    assert.doesNotMatch(unauthorized.message, /wrong-token/);
  });

  it('resends a chunk whose HTML Telegram cannot parse once as plain text, and fails only when that is refused too', async () => {
    fake.refuseHtml('unsupported start tag "foo" at byte offset 5');
    try {
      const before = fake.requests.length;
      const html = '<b>Prices</b> up &lt; 5% &amp; <a href="https://e.com/?a=1&amp;b=2">source</a>';
      const sent = await channel().send(html, { channel: 'tg', to: '42', thread: '7' }, context);
      assert.match(sent.note ?? '', /^sent as plain text: .*can't parse entities: unsupported start tag/);
      assert.deepEqual(
        fake.requests.slice(before).map((request) => request.status),
        [400, 200],
      );
      const plain = fake.accepted.at(-1);
      assert.deepEqual(plain && { text: plain.text, parseMode: plain.parseMode, threadId: plain.threadId }, {
        text: 'Prices up < 5% & source (https://e.com/?a=1&b=2)',
        parseMode: undefined,
        threadId: 7,
      });
      assert.equal(sent.remoteId, String(fake.accepted.length));

      fake.script('ok', { status: 400, description: 'Bad Request: message is too long' });
      const refused = await rejection(channel().send(html, { channel: 'tg', to: '42' }, context));
      assert.equal(refused.permanent, true);
      assert.match(refused.message, /message is too long.*plain text.*can't parse entities/);

      fake.script('ok', { status: 429, retryAfter: 2 });
      const limited = await rejection(channel().send(html, { channel: 'tg', to: '42' }, context));
      assert.equal(limited.permanent, false);
      assert.equal(limited.retryAfterMs, 2000);
    } finally {
      fake.refuseHtml(undefined);
    }
    const other = fake.requests.length;
    fake.script({ status: 400, description: 'Bad Request: chat not found' });
    await rejection(channel().send('<b>x</b>', { channel: 'tg', to: '1' }, context));
    assert.equal(fake.requests.length, other + 1, 'other 400s are not resent');
  });

  it('reports an unreachable server as transient, with the token scrubbed', async () => {
    const unreachable = createTelegramChannel({ name: 'tg', botToken, apiRoot: 'http://127.0.0.1:9' });
    const error = await rejection(unreachable.send('x', { channel: 'tg', to: '1' }, context));
    assert.equal(error.code, 'delivery_unreachable');
    assert.equal(error.permanent, false);
    assert.ok(!error.message.includes(botToken) && !String(error.stack).includes(botToken));
  });

  it('fails permanently, naming the variable, when the token is not set', async () => {
    const unset = createTelegramChannel({
      name: 'tg',
      unavailableReason: 'env:TELEGRAM_BOT_TOKEN is not set',
    });
    const error = await rejection(unset.send('x', { channel: 'tg', to: '1' }, context));
    assert.equal(error.permanent, true);
    assert.match(error.message, /env:TELEGRAM_BOT_TOKEN is not set/);
  });
});

describe('slack channel (@slack/web-api against a fake Slack API)', () => {
  let fake: FakeSlack;
  before(async () => {
    fake = await startFakeSlack(slackToken);
  });
  after(() => fake.close());
  const channel = () => createSlackChannel({ name: 'team', botToken: slackToken, apiUrl: fake.apiUrl });

  it('posts mrkdwn to the channel and thread with chat.postMessage', async () => {
    const result = await channel().send(
      '*hi*',
      { channel: 'team', to: 'C0123', thread: '1700000000.000100' },
      context,
    );
    assert.match(result.remoteId ?? '', /^\d+\.000100$/);
    assert.deepEqual(
      fake.accepted.map(({ channel, text, threadTs }) => ({ channel, text, threadTs })),
      [{ channel: 'C0123', text: '*hi*', threadTs: '1700000000.000100' }],
    );
    assert.deepEqual(fake.problems, []);
  });

  it('honours Retry-After on 429, retries 5xx, stops on channel_not_found and invalid_auth', async () => {
    fake.script({ status: 429, retryAfter: 7 }, { status: 500 }, { error: 'channel_not_found' });
    const limited = await rejection(channel().send('x', { channel: 'team', to: 'C1' }, context));
    assert.equal(limited.retryAfterMs, 7000);
    assert.equal(limited.permanent, false);
    const server = await rejection(channel().send('x', { channel: 'team', to: 'C1' }, context));
    assert.equal(server.permanent, false);
    const missing = await rejection(channel().send('x', { channel: 'team', to: 'C1' }, context));
    assert.equal(missing.code, 'delivery_not_found');
    assert.equal(missing.permanent, true);
    const wrong = createSlackChannel({ name: 'team', botToken: 'xoxb-wrong-token-000', apiUrl: fake.apiUrl });
    const unauthorized = await rejection(wrong.send('x', { channel: 'team', to: 'C1' }, context));
    assert.equal(unauthorized.code, 'delivery_unauthorized');
    assert.doesNotMatch(unauthorized.message, /xoxb/);
  });
});

describe('webhook channel', () => {
  it('POSTs the message as JSON with an HMAC-SHA256 signature the receiver verifies', async () => {
    const fake = await startFakeWebhook('hook-secret-123');
    try {
      const channel = createWebhookChannel({ name: 'hook', url: fake.url, secret: 'hook-secret-123' });
      const [body] = channel.render({
        deliveryId: 'd9',
        kind: 'run',
        runId: 'r1',
        jobId: 'brief',
        agentId: 'analyst',
        text: '**hello** <world>',
        createdAt: Date.UTC(2025, 0, 2),
        meta: { tier: 1 },
      });
      await channel.send(body, { channel: 'hook' }, { deliveryId: 'd9', seq: 0 });
      assert.equal(fake.rejected, 0);
      assert.equal(fake.accepted.length, 1);
      assert.deepEqual(fake.accepted[0].body, {
        id: 'd9',
        kind: 'run',
        runId: 'r1',
        jobId: 'brief',
        agentId: 'analyst',
        createdAt: '2025-01-02T00:00:00.000Z',
        text: '**hello** <world>',
        meta: { tier: 1 },
      });
      assert.equal(fake.accepted[0].headers['x-pyramid-delivery'], 'd9');

      const forged = createWebhookChannel({ name: 'hook', url: fake.url, secret: 'another-secret' });
      const error = await rejection(forged.send(body, { channel: 'hook' }, context));
      assert.equal(fake.rejected, 1, 'a wrong secret does not verify');
      assert.equal(error.permanent, true);

      fake.script(503, 429);
      assert.equal((await rejection(channel.send(body, { channel: 'hook' }, context))).permanent, false);
      const limited = await rejection(channel.send(body, { channel: 'hook' }, context));
      assert.equal(limited.retryAfterMs, 1000);
    } finally {
      await fake.close();
    }
  });
});

describe('file channel', () => {
  it('appends one JSON line per message, creating the folder', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pyramid-file-channel-')), 'sub', 'deliveries.jsonl');
    const channel = createFileChannel({ name: 'log', path });
    for (const text of ['first', 'second\nline']) {
      const [body] = channel.render({ deliveryId: text, kind: 'message', text, createdAt: 0 });
      await channel.send(body, { channel: 'log' }, context);
    }
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as { text: string }).text),
      ['first', 'second\nline'],
    );
  });
});
