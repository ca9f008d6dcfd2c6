import type { DashboardPlatform, DashboardScheduler } from './dashboard-platform.ts';

/** What changed: the page refetches the figures that depend on it. `tick` comes every few seconds (health, uptime). */
export type DashboardTopic = 'requests' | 'runs' | 'jobs' | 'deliveries' | 'config' | 'tick';

export type DashboardEvents = {
  /** Hears every change; returns an unsubscribe. */
  subscribe(listener: (topic: DashboardTopic) => void): () => void;
  publish(topic: DashboardTopic): void;
};

export type DashboardEventsOptions = {
  platform: Pick<DashboardPlatform, 'onRequestRecorded' | 'onDeliveryEvent'>;
  scheduler: Pick<DashboardScheduler, 'stats' | 'listRuns'>;
  /** How often runs are looked at and `tick` is sent while a page listens (default 1 s and 5 s). */
  pollMs?: number;
  tickMs?: number;
};

/**
 * Changes for the dashboard's server-sent events. Requests and deliveries are heard as they are
 * committed; runs by watching the scheduler (its counts, and the newest run's status) once a second,
 * only while a page listens.
 */
export function createDashboardEvents(options: DashboardEventsOptions): DashboardEvents {
  const listeners = new Set<(topic: DashboardTopic) => void>();
  const pollMs = options.pollMs ?? 1000;
  const tickMs = options.tickMs ?? 5000;
  const publish = (topic: DashboardTopic) => {
    for (const listener of listeners) listener(topic);
  };
  let unsubscribe: (() => void)[] = [];
  let timers: ReturnType<typeof setInterval>[] = [];
  let seen = '';
  const watchRuns = async () => {
    try {
      const [newest] = await options.scheduler.listRuns({ limit: 1 });
      const now = JSON.stringify([
        options.scheduler.stats(),
        newest?.id,
        newest?.status,
        newest?.deliveryStatus,
      ]);
      if (seen && now !== seen) publish('runs');
      seen = now;
    } catch {
      // A busy store: the next poll sees it.
    }
  };
  const start = () => {
    unsubscribe = [
      options.platform.onRequestRecorded(() => publish('requests')),
      options.platform.onDeliveryEvent(() => publish('deliveries')),
    ];
    void watchRuns();
    timers = [setInterval(watchRuns, pollMs), setInterval(() => publish('tick'), tickMs)];
    for (const timer of timers) timer.unref();
  };
  const stop = () => {
    for (const off of unsubscribe) off();
    for (const timer of timers) clearInterval(timer);
    unsubscribe = [];
    timers = [];
    seen = '';
  };
  return {
    subscribe(listener) {
      if (listeners.size === 0) start();
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stop();
      };
    },
    publish,
  };
}
