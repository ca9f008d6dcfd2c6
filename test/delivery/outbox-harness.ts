import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import type { Channel } from '../../src/delivery/channels/channel.ts';
import { Outbox, type OutboxOptions } from '../../src/delivery/outbox.ts';
import { openInlineStores } from '../../src/store/open-inline-stores.ts';

export const botToken = '123456:TEST-telegram-token-abcdef';
export const slackToken = 'xoxb-test-slack-token-123456';

/** A fresh SQLite file in a temporary folder. */
export function tempDatabasePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'pyramid-outbox-')), 'pyramid.db');
}

/** An outbox on a real SQLite file with the given channels; `close` stops it and closes the database. */
export function openOutbox(
  path: string,
  channels: Channel[],
  options: Partial<OutboxOptions> = {},
): { outbox: Outbox; db: DatabaseSync; close(): Promise<void> } {
  const stores = openInlineStores(path);
  const db = stores.db;
  const outbox = new Outbox({
    store: stores.delivery,
    channels: new Map(channels.map((channel) => [channel.name, channel])),
    retry: { baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 4 },
    pollIntervalMs: 50,
    ...options,
  });
  return {
    outbox,
    db,
    async close() {
      await outbox.stop();
      await stores.close();
    },
  };
}
