import type { ChannelConfig } from '../../contracts/delivery.ts';
import type { Channel } from './channel.ts';
import { createFileChannel } from './file-channel.ts';
import { createSlackChannel } from './slack-channel.ts';
import { createTelegramChannel } from './telegram-channel.ts';
import { createWebhookChannel } from './webhook-channel.ts';

/** Builds the channel a `channels:` entry describes. `fetch` and `now` are passed in so tests control them. */
export function createChannel(
  config: ChannelConfig,
  io: { fetch?: typeof fetch; now?: () => number } = {},
): Channel {
  switch (config.type) {
    case 'telegram':
      return createTelegramChannel({ ...config, fetch: io.fetch });
    case 'slack':
      return createSlackChannel({ ...config, fetch: io.fetch });
    case 'webhook':
      return createWebhookChannel({ ...config, fetch: io.fetch, now: io.now });
    case 'file':
      return createFileChannel(config);
  }
}
