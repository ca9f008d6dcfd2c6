import { isAbsolute, join } from 'node:path';
import type { AlertLimitStore } from '../contracts/alert-limit-store.ts';
import type { AlertsConfig, ChannelConfig, DeliveryStore } from '../contracts/delivery.ts';
import { Alerter } from './alerter.ts';
import type { Channel } from './channels/channel.ts';
import { createChannel } from './channels/create-channel.ts';
import { Outbox, type OutboxOptions } from './outbox.ts';

export type DeliveryParts = {
  outbox: Outbox;
  alerter: Alerter;
  channels: ReadonlyMap<string, Channel>;
  /**
   * Applies reloaded `channels:` and `alerts:` in place: a changed or added channel is built anew, a
   * removed one is dropped (its pending deliveries fail as for an unconfigured channel), an unchanged
   * one is kept with its pacing state. A send already under way finishes on the channel it started with.
   */
  reconfigure(next: { channels?: Record<string, ChannelConfig>; alerts?: AlertsConfig }): void;
};

const noAlerts: AlertsConfig = {
  targets: [],
  jobFailures: 3,
  repeatMs: 900_000,
  maxPerHour: 20,
  settleMs: 5000,
};

/** Builds the channels, the outbox (unstarted) and the alerter from the config, on the delivery store. */
export function createDelivery(options: {
  store: DeliveryStore;
  channels?: Record<string, ChannelConfig>;
  alerts?: AlertsConfig;
  /** Relative file-channel paths are resolved here (PYRAMID_HOME). */
  home: string;
  fetch?: typeof fetch;
  now?: () => number;
  outbox?: Partial<OutboxOptions>;
  /** Several processes sharing a store: breaker alerts are sent by the process that claims them (Alerter's `claim`). */
  claimAlert?: (key: string) => Promise<boolean>;
  /** Several processes sharing a store: the alert rate limits are the platform's (Alerter's `limits`). */
  alertLimits?: AlertLimitStore;
}): DeliveryParts {
  // The outbox reads this map at every send: a reload changes its entries in place.
  const channels = new Map<string, Channel>();
  const built = new Map<string, string>();
  const build = (configs: Record<string, ChannelConfig> = {}) => {
    for (const name of channels.keys()) {
      if (!(name in configs)) {
        channels.delete(name);
        built.delete(name);
      }
    }
    for (const config of Object.values(configs)) {
      const key = JSON.stringify(config);
      if (built.get(config.name) === key) continue;
      const resolved =
        config.type === 'file' && !isAbsolute(config.path)
          ? { ...config, path: join(options.home, config.path) }
          : config;
      channels.set(config.name, createChannel(resolved, { fetch: options.fetch, now: options.now }));
      built.set(config.name, key);
    }
  };
  build(options.channels);
  const outbox = new Outbox({
    store: options.store,
    channels,
    ...(options.now ? { now: options.now } : {}),
    ...options.outbox,
  });
  const alerter = new Alerter({
    outbox,
    config: options.alerts ?? noAlerts,
    now: options.now,
    ...(options.claimAlert ? { claim: options.claimAlert } : {}),
    ...(options.alertLimits ? { limits: options.alertLimits } : {}),
  });
  return {
    outbox,
    alerter,
    channels,
    reconfigure(next) {
      build(next.channels);
      alerter.reconfigure(next.alerts ?? noAlerts);
    },
  };
}
