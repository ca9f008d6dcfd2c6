import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { loadConfig, resolvePyramidPaths } from '../config/index.ts';
import type { DashboardStore } from '../contracts/dashboard-store.ts';
import type { EmbeddingAdapter } from '../contracts/embedding.ts';
import type { ConfigIssue } from '../contracts/errors/config-error.ts';
import type { PruneCounts, PruneCutoffs } from '../contracts/history-pruner.ts';
import type { ModelAdapter, ProviderProbe } from '../contracts/model-call.ts';
import type { PyramidConfig } from '../contracts/pyramid-config.ts';
import type { RequestLedger, RequestRecord } from '../contracts/request-ledger.ts';
import type { ResponseStore } from '../contracts/response-store.ts';
import type { SchedulerStore } from '../contracts/scheduler-store.ts';
import type { SessionStore } from '../contracts/session-store.ts';
import type { Stores } from '../contracts/stores.ts';
import type { Attempt } from '../contracts/trace.ts';
import type { Alerter } from '../delivery/alerter.ts';
import { createDelivery } from '../delivery/create-delivery.ts';
import { deliveriesRoutes } from '../delivery/deliveries-routes.ts';
import type { Outbox, OutboxEvent } from '../delivery/outbox.ts';
import { createRunDeliverySink } from '../delivery/run-delivery-sink.ts';
import { createLedger, type Ledger } from '../ledger/index.ts';
import { createModelAdapter } from '../providers/create-model-adapter.ts';
import { createProviderProbe } from '../providers/create-provider-probe.ts';
import { createEmbeddingAdapter } from '../providers/embeddings/create-embedding-adapter.ts';
import { BreakerBoard } from '../router/breaker-board.ts';
import { Router } from '../router/router.ts';
import { SharedBreakers } from '../router/shared-breakers.ts';
import { Scheduler, type SchedulerOptions } from '../scheduler/index.ts';
import {
  pruneHistory,
  retentionCutoffs,
  startWalCheckpointer,
  type WalCheckpointer,
  type WorkerStores,
} from '../store/index.ts';
import { openStores } from '../store/open-stores.ts';
import type { CliIo, GlobalOptions } from './cli-io.ts';
import { changedSections, reloadableSections } from './compare-config-sections.ts';

/** Every long-lived part, built once and passed down: the one place that wires Pyramid together. */
export type Platform = {
  home: string;
  configFile: string;
  config: PyramidConfig;
  warnings: ConfigIssue[];
  ledger: Ledger;
  router: Router;
  /** A health probe per provider (a cheap model list), for the gateway's monitor. */
  probes: Record<string, ProviderProbe>;
  /** Calls `listener` after every routed request is committed to the ledger (metrics); returns an unsubscribe. */
  onRequestRecorded(listener: RequestRecordedListener): () => void;
  sessions: SessionStore;
  schedulerStore: SchedulerStore;
  /** The dashboard's read queries (request listings, per-minute counts, reasons, delivery counts). */
  dashboard: DashboardStore;
  /** The store's health (readiness) and its state changes (logs). */
  store: Pick<Stores, 'status' | 'onStatus'>;
  /** Responses API responses (`store`, `previous_response_id`), for the gateway. */
  responses: ResponseStore;
  /** A scheduler over this platform's store and router; `pyramid start` starts it, CLI commands use it unstarted. */
  createScheduler(options?: Partial<SchedulerOptions>): Scheduler;
  /** The durable delivery outbox (unstarted: `pyramid start` starts its worker; `deliveries retry` drains it). */
  outbox: Outbox;
  /** Calls `listener` with every delivery outcome (delivered, retrying, failed); returns an unsubscribe. */
  onDeliveryEvent(listener: (event: OutboxEvent) => void): () => void;
  /** Settles runs a crash left with a pending delivery status (see RunDeliverySink.recover); before the scheduler starts. */
  recoverRunDeliveries(): Promise<number>;
  /** Operational alerts to the `alerts:` targets (breakers are wired; schedulers report job runs). */
  alerter: Alerter;
  /** GET /api/deliveries and /api/deliveries/:id, for the gateway's `routes`. */
  deliveriesRoutes: ReturnType<typeof deliveriesRoutes>;
  /**
   * For a long-running process (`pyramid start`): WAL checkpoints move to a worker thread, so that no
   * request's commit pays for one. `onError` hears if that worker fails (checkpoints then fall back).
   */
  checkpointInBackground(onError: (error: Error) => void): Promise<void>;
  /**
   * Reads the config file again. Only agents, jobs and retention can change in a running process: if
   * anything else changed, nothing is applied and `restartNeeded` names the sections. Throws
   * ConfigError for an invalid file (the running config stays). Schedulers take the new config with
   * `applyConfig(platform.config)`.
   */
  reload(): Promise<{ applied: string[]; restartNeeded: string[]; warnings: ConfigIssue[] }>;
  /** Finished history past `retention:`; `dryRun` counts what would go. Queued, running and pending things stay. */
  pruneHistory(options?: {
    dryRun?: boolean;
    signal?: AbortSignal;
  }): Promise<{ cutoffs: PruneCutoffs; counts: PruneCounts }>;
  /** Commits what waits and closes the store. */
  close(): Promise<void>;
};

/**
 * `worker` (for `pyramid start`): SQLite runs in a worker thread, so a busy or slow database never
 * blocks the event loop. `inline` (the default, for short CLI commands): on this thread, no start-up cost.
 */
export type PlatformOptions = { store?: 'worker' | 'inline' };

export type RequestRecordedListener = (request: RequestRecord, attempts: readonly Attempt[]) => void;

/** Loads the config (throws ConfigError), opens the store in PYRAMID_HOME and builds the router. */
export async function createPlatform(
  io: CliIo,
  options: GlobalOptions,
  platformOptions: PlatformOptions = {},
): Promise<Platform> {
  const { home, configFile } = resolvePyramidPaths({
    env: io.env,
    explicitConfigPath: options.config,
    homedir: io.homedir,
    cwd: io.cwd,
  });
  const loaded = await loadConfig({ file: configFile, env: io.env });
  const { warnings } = loaded;
  // Replaced by reload() (only ever with the same providers, models, tiers and channels).
  let config = loaded.config;
  const dbFile = join(home, 'pyramid.db');
  // This process among the others sharing the store: run and delivery leases are held in its name.
  const processId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const stores: Stores | WorkerStores = await openStores(config, {
    dbFile,
    mode: platformOptions.store ?? 'inline',
    configFile,
    ...(io.now ? { now: io.now } : {}),
  });
  let checkpointer: WalCheckpointer | undefined;
  // Several processes on one PostgreSQL store share spend caps and breakers (see SharedStores).
  const shared = stores.shared;
  const now = io.now ?? Date.now;
  const pruner = stores.pruner;
  const ledger = createLedger({ store: stores.ledger, config });
  const deliveryListeners = new Set<(event: OutboxEvent) => void>();
  const { outbox, alerter } = createDelivery({
    store: stores.delivery,
    channels: config.channels,
    alerts: config.alerts,
    home,
    fetch: io.fetch,
    now: io.now,
    // Settles runs' delivery status and tells listeners (logs); defined below, called only once started.
    // On a shared store a dead process's deliveries are taken over after the same lease as its runs.
    outbox: {
      onEvent: (event) => onOutboxEvent(event),
      ...(config.store?.kind === 'postgres' ? { leaseMs: config.store.leaseMs } : {}),
    },
    ...(shared ? { claimAlert: (key: string) => shared.breakers.claim(key, processId, now()) } : {}),
  });
  // Built on first use, one per model, with the provider settings of the config in use.
  const adapterOptions = (name: string) => {
    const model = config.models[name];
    return { provider: config.providers[model.provider], model, fetch: io.fetch, now: io.now };
  };
  const adapterFor = perModel<ModelAdapter>((name) => createModelAdapter(adapterOptions(name)));
  const embeddingAdapterFor = perModel<EmbeddingAdapter>((name) =>
    createEmbeddingAdapter(adapterOptions(name)),
  );
  const listeners = new Set<RequestRecordedListener>();
  const observedLedger: RequestLedger = {
    async record(request, attempts) {
      await ledger.record(request, attempts);
      for (const listener of listeners) {
        try {
          listener(request, attempts);
        } catch {
          // An observer (metrics) must never fail a request that is already committed.
        }
      }
    },
    spentSince: (sinceMs, callerTag) => ledger.spentSince(sinceMs, callerTag),
  };
  const probes = Object.fromEntries(
    Object.values(config.providers).map((provider) => [
      provider.name,
      createProviderProbe({ provider, fetch: io.fetch, now: io.now }),
    ]),
  );
  // With SQLite a breaker's change is alerted here; on a shared store it goes to the platform first,
  // and the alert follows the platform's change (heard by every process, sent by the one that claims it).
  let sharedBreakers: SharedBreakers | undefined;
  const breakers = new BreakerBoard(config.router.breaker, {
    onChange: (model, state, reason) =>
      sharedBreakers
        ? sharedBreakers.localChanged(model, state, reason)
        : alerter.breakerChanged(model, state, reason),
  });
  if (shared) {
    sharedBreakers = new SharedBreakers({
      board: breakers,
      store: shared.breakers,
      owner: processId,
      isModel: (model) => Object.hasOwn(config.models, model),
      onChange: (model, state, reason, epoch) => alerter.breakerChanged(model, state, reason, epoch),
      ...(io.now ? { now: io.now } : {}),
    });
    // A long-running process follows the platform's breakers; a CLI command (`route explain`, `ask`)
    // reads them once.
    if (platformOptions.store === 'worker') sharedBreakers.start();
    else await sharedBreakers.poll().catch(() => {});
  }
  const router = new Router({
    config,
    adapterFor,
    embeddingAdapterFor,
    ledger: observedLedger,
    breakers,
    ...(shared && config.store?.kind === 'postgres'
      ? { spend: { reservations: shared.spend, leaseMs: config.store.leaseMs } }
      : {}),
    now: io.now,
  });
  const sessions = stores.sessions;
  const schedulerStore = stores.scheduler;
  const responses = stores.responses;
  // A run's output goes to its job's deliver: targets, else its agent's.
  const outputSink = createRunDeliverySink({
    outbox,
    store: schedulerStore,
    targetsFor: async (run) => {
      const job = (await schedulerStore.getJob(run.jobId))?.definition ?? config.jobs?.[run.jobId];
      const jobTargets = job?.deliver ?? [];
      return jobTargets.length > 0 ? jobTargets : (config.agents?.[run.agentId]?.deliver ?? []);
    },
  });
  const onOutboxEvent = (event: OutboxEvent) => {
    outputSink.onOutboxEvent(event);
    for (const listener of deliveryListeners) listener(event);
  };
  // Several processes on one PostgreSQL store: runs are leased (see SchedulerOptions.leases).
  const leases =
    config.store?.kind === 'postgres' ? { owner: processId, leaseMs: config.store.leaseMs } : undefined;
  const createScheduler = (options: Partial<SchedulerOptions> = {}) =>
    new Scheduler({
      config,
      router,
      store: schedulerStore,
      sessions,
      ...(leases ? { leases } : {}),
      ...(io.fetch ? { fetch: io.fetch } : {}),
      spentSince: (sinceMs, agentId) => ledger.spentSince(sinceMs, agentId),
      outputSink,
      ...options,
      onEvent: (event) => {
        const run = event.type === 'run-finished' ? event.run : undefined;
        if (run && (run.status === 'ok' || run.status === 'error' || run.status === 'timeout')) {
          alerter.jobFinished({ jobId: run.jobId, runId: run.id, ok: run.status === 'ok', error: run.error });
        }
        options.onEvent?.(event);
      },
    });
  return {
    home,
    configFile,
    get config() {
      return config;
    },
    warnings,
    async reload() {
      const next = await loadConfig({ file: configFile, env: io.env });
      const changed = changedSections(config, next.config);
      const restartNeeded = changed.filter(
        (section) => !(reloadableSections as readonly string[]).includes(section),
      );
      if (restartNeeded.length > 0) return { applied: [], restartNeeded, warnings: next.warnings };
      config = next.config;
      return { applied: changed, restartNeeded: [], warnings: next.warnings };
    },
    ledger,
    router,
    probes,
    sessions,
    schedulerStore,
    dashboard: stores.dashboard,
    store: { status: () => stores.status(), onStatus: (listener) => stores.onStatus(listener) },
    responses,
    createScheduler,
    outbox,
    alerter,
    deliveriesRoutes: deliveriesRoutes(outbox),
    onDeliveryEvent(listener) {
      deliveryListeners.add(listener);
      return () => deliveryListeners.delete(listener);
    },
    recoverRunDeliveries: () => outputSink.recover(),
    onRequestRecorded(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async pruneHistory({ dryRun = false, signal } = {}) {
      const retention = config.retention ?? { everyMs: 3_600_000 };
      const cutoffs = retentionCutoffs(retention, (io.now ?? Date.now)());
      return {
        cutoffs,
        counts: dryRun ? await pruner.count(cutoffs) : await pruneHistory(pruner, cutoffs, signal),
      };
    },
    async checkpointInBackground(onError) {
      if (checkpointer || !('disableAutocheckpoint' in stores)) return;
      await stores.disableAutocheckpoint();
      checkpointer = startWalCheckpointer(dbFile, {
        onError: (error) => {
          // The WAL must not grow without bound: the store's own connection checkpoints again.
          if ('enableAutocheckpoint' in stores) void stores.enableAutocheckpoint().catch(() => {});
          onError(error);
        },
      });
    },
    async close() {
      checkpointer?.stop();
      sharedBreakers?.stop();
      // Records of the last event-loop turn (a request aborted during shutdown) are committed, not dropped.
      await stores.close();
    },
  };
}

/** `build(name)` once per name, then the same value. */
function perModel<T>(build: (name: string) => T): (name: string) => T {
  const built = new Map<string, T>();
  return (name) => {
    let value = built.get(name);
    if (value === undefined) {
      value = build(name);
      built.set(name, value);
    }
    return value;
  };
}
