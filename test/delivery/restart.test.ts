import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { createTelegramChannel } from '../../src/delivery/channels/telegram-channel.ts';
import { startFakeTelegram } from './fake-telegram-server.ts';
import { botToken, openOutbox, tempDatabasePath } from './outbox-harness.ts';
import { waitFor } from './wait-for.ts';

describe('outbox across a kill -9', () => {
  it('resumes pending deliveries in a new process after the old one is killed mid-way', async () => {
    const telegram = await startFakeTelegram(botToken);
    const databasePath = tempDatabasePath();
    const child = spawn(
      process.execPath,
      [new URL('./outbox-child.ts', import.meta.url).pathname, databasePath, telegram.apiRoot],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const ids = JSON.parse(line.toString()) as string[];
      await waitFor(() => telegram.accepted.length >= 2, 60_000, 'the child to send two chunks');
      child.kill('SIGKILL');
      await once(child, 'exit');
      const sentBeforeKill = telegram.accepted.length;

      const { outbox, close } = openOutbox(databasePath, [
        createTelegramChannel({
          name: 'tg',
          botToken,
          apiRoot: telegram.apiRoot,
          pacing: { perTargetMs: 0, perSecond: 100 },
        }),
      ]);
      try {
        const before = await outbox.get(ids[0]);
        assert.equal(before?.state, 'pending', 'the killed process left the delivery pending');
        assert.ok(before && before.chunksSent >= 1 && before.chunksSent < before.chunkCount);
        outbox.start();
        await waitFor(
          async () => (await outbox.runStatus('run-restart')) === 'delivered',
          10_000,
          'the resumed delivery',
        );
        await waitFor(
          async () => (await outbox.get(ids[1]))?.state === 'delivered',
          5000,
          'the queued message',
        );

        const parts = telegram.accepted.map(
          (message) => /^(?:<b>[^<]*<\/b>\n\n)?part (\d)/.exec(message.text)?.[1] ?? 'other',
        );
        // At least once: a chunk in flight at the kill may arrive twice, but none is lost and the order holds.
        const distinct = parts.filter((part, index) => part !== parts[index - 1]);
        assert.deepEqual(distinct, ['0', '1', '2', '3', '4', '5', 'other']);
        assert.ok(parts.length - distinct.length <= 1, `${parts.length - distinct.length} duplicates`);
        assert.ok(telegram.accepted.length > sentBeforeKill);
        assert.deepEqual(telegram.problems, []);
      } finally {
        await close();
      }
    } finally {
      child.kill('SIGKILL');
      await telegram.close();
    }
  });
});
