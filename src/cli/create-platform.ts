import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SharedLane } from '../agents/shared-lane.ts';
import { loadConfig, resolvePyramidPaths } from '../config/index.ts';
import type { SectionChange } from '../contracts/config-reload.ts';
import type { DashboardStore } from '../contracts/dashboard-store.ts';
import type { EmbeddingAdapter } from '../contracts/embedding.ts';
import type { ConfigIssue } from '../contracts/errors/config-error.ts';
import type { PruneCounts, PruneCutoffs } from '../contracts/history-pruner.ts';
import type { ModelAdapter, ProviderProbe } from '../contracts/model-call.ts';
import type { ProcessRegistry } from '../contracts/process-registry.ts';
import type { JobConfig, PyramidConfig } from '../contracts/pyramid-config.ts';
import type { RequestLedger, RequestRecord } from '../contracts/request-ledger.ts';
import type { ResponseStore } from '../contracts/response-store.ts';
import type { RunRecord, SchedulerStore } from '../contracts/scheduler-store.ts';
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
import { createInProcessSpendReservations } from '../router/in-process-spend-reservations.ts';
import { Router } from '../router/router.ts';
import { SharedBreakers } from '../router/shared-breakers.ts';
import { SpendGuard } from '../router/spend-guard.ts';
import { Scheduler, type SchedulerOptions } from '../scheduler/index.ts';
import { loadEnvFile } from '../service/load-env-file.ts';
import {
  pruneHistory,
  retentionCutoffs,
  startWalCheckpointer,
  type WalCheckpointer,
  type WorkerStores,
} from '../store/index.ts';
import { openStores } from '../store/open-stores.ts';
import type { CliIo, GlobalOptions } from './cli-io.ts';
import { compareConfigSections, restartNeeded, same } from './compare-config-sections.ts';

/** Every long-lived part, built once and passed down: the one place that wires Pyramid together. */
export type Platform = {
  home: string;
  configFile: string;
  config: PyramidConfig;
  warnings: ConfigIssue[];
  ledger: Ledger;
  /** The router of the config in use: a reload replaces it; requests already routed finish on theirs. */
  router: Router;
  /** A health probe per provider (a cheap model list), for the gateway's monitor; replaced by a reload. */
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
  /** This process among those sharing the store (`host:pid:random`): the owner of its run and delivery leases. */
  processId: string;
  /** The `pyramid start` processes registered in the store (`pyramid start` registers itself). */
  processes: ProcessRegistry;
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
   * Reads the config file again and says what changed, applying nothing yet: `apply()` then puts it in
   * use (a new router, probes, channels and alerts; the breakers of models whose definition did not
   * change carry over) except the settings `restartNeeded` lists, which keep their running values.
   * Throws ConfigError for an invalid file (the running config stays). Schedulers and the gateway take
   * the new config themselves (`applyConfig(platform.config)`, `reconfigure`).
   */
  loadNextConfig(): Promise<StagedConfig>;
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

/** A reloaded config, checked and compared with the running one, not yet in use. */
export type StagedConfig = {
  /** The new config, with the settings that need a restart kept at their running values. */
  config: PyramidConfig;
  warnings: ConfigIssue[];
  changes: SectionChange[];
  restartNeeded: string[];
  /** Puts `config` in use; call once, with no other reload in between. */
  apply(): void;
};

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
  // Replaced by a reload (loadNextConfig, apply), but never the store's settings, which need a restart.
  let { warnings, config } = loaded;
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
  // Prices and baselines from the config in use.
  const ledger = createLedger({
    store: stores.ledger,
    config: {
      get models() {
        return config.models;
      },
      get tiers() {
        return config.tiers;
      },
      get tasks() {
        return config.tasks;
      },
    },
  });
  const deliveryListeners = new Set<(event: OutboxEvent) => void>();
  const delivery = createDelivery({
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
      // ... and each holds a few deliveries at a time, so that the processes share a backlog.
      ...(config.store?.kind === 'postgres' ? { leaseMs: config.store.leaseMs, claimBatch: 5 } : {}),
    },
    ...(shared
      ? {
          claimAlert: (key: string) => shared.breakers.claim(key, processId, now()),
          alertLimits: shared.alerts,
        }
      : {}),
  });
  const { outbox, alerter } = delivery;
  // Built on first use, one per model and definition (its entry and its provider's): a reload keeps
  // the adapters of unchanged models and builds new ones for changed models.
  const adapterOptions = (current: PyramidConfig, name: string) => {
    const model = current.models[name];
    return { provider: current.providers[model.provider], model, fetch: io.fetch, now: io.now };
  };
  const adapters = new Map<string, { definition: string; adapter: ModelAdapter }>();
  const embeddingAdapters = new Map<string, { definition: string; adapter: EmbeddingAdapter }>();
  const adapterSource =
    <T>(built: Map<string, { definition: string; adapter: T }>, create: (name: string) => T) =>
    (current: PyramidConfig) =>
    (name: string): T => {
      const definition = modelDefinition(current, name);
      const found = built.get(name);
      if (found?.definition === definition) return found.adapter;
      const adapter = create(name);
      built.set(name, { definition, adapter });
      return adapter;
    };
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
  const probeFor = (provider: PyramidConfig['providers'][string]) =>
    createProviderProbe({ provider, fetch: io.fetch, now: io.now });
  let probes: Record<string, ProviderProbe> = Object.fromEntries(
    Object.values(config.providers).map((provider) => [provider.name, probeFor(provider)]),
  );
  // Spend caps: held in this process's memory over the ledger's spent money, or, on a PostgreSQL store,
  // in the shared database so that several processes cannot overshoot a cap together.
  const sharedSpend =
    shared && config.store?.kind === 'postgres'
      ? { reservations: shared.spend, leaseMs: config.store.leaseMs }
      : undefined;
  // Built without budgets too: the agents' spendCaps are caps of the same guard.
  const spendGuardFor = (budgets: PyramidConfig['budgets']) =>
    new SpendGuard(budgets, {
      reservations:
        sharedSpend?.reservations ??
        createInProcessSpendReservations(async (sinceMs, callerTag) =>
          observedLedger.spentSince(sinceMs, callerTag),
        ),
      ...(sharedSpend ? { leaseMs: sharedSpend.leaseMs } : {}),
    });
  let spendGuard = spendGuardFor(config.budgets);
  // With SQLite a breaker's change is alerted here; on a shared store it goes to the platform first,
  // and the alert follows the platform's change (heard by every process, sent by the one that claims it).
  let sharedBreakers: SharedBreakers | undefined;
  const onBreakerChange = (model: string, state: 'open' | 'closed', reason?: string) =>
    sharedBreakers
      ? sharedBreakers.localChanged(model, state, reason)
      : alerter.breakerChanged(model, state, reason);
  /** A router for `current`; `previous` hands over the breakers of models whose definition is the same. */
  const buildRouter = (current: PyramidConfig, previous?: { config: PyramidConfig; router: Router }) => {
    const breakers = new BreakerBoard(current.router.breaker, {
      onChange: onBreakerChange,
      // On a shared store a failed trial's reopening is the platform's, and so is the trial itself.
      ...(shared
        ? {
            onReopen: (model: string, retryAt: number, reason: string) =>
              sharedBreakers?.localReopened(model, retryAt, reason),
            trials: {
              claim: (model: string, now: number, trialMs: number) =>
                sharedBreakers
                  ? sharedBreakers.trials.claim(model, now, trialMs)
                  : Promise.resolve({ won: true as const }),
            },
          }
        : {}),
    });
    if (previous && same(previous.config.router.breaker, current.router.breaker)) {
      breakers.adopt(
        previous.router.breakers,
        Object.keys(current.models).filter(
          (name) => modelDefinition(previous.config, name) === modelDefinition(current, name),
        ),
      );
    }
    return new Router({
      config: current,
      adapterFor: adapterSource(adapters, (name) => createModelAdapter(adapterOptions(current, name)))(
        current,
      ),
      embeddingAdapterFor: adapterSource(embeddingAdapters, (name) =>
        createEmbeddingAdapter(adapterOptions(current, name)),
      )(current),
      ledger: observedLedger,
      breakers,
      spendGuard,
      now: io.now,
    });
  };
  let router = buildRouter(config);
  if (shared) {
    sharedBreakers = new SharedBreakers({
      board: router.breakers,
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
  // For the scheduler's agent turns: each call goes to the router in use at that moment.
  const currentRouter: Pick<Router, 'complete' | 'explain'> = {
    complete: (request) => router.complete(request),
    explain: (request) => router.explain(request),
  };
  const sessions = stores.sessions;
  const schedulerStore = stores.scheduler;
  const responses = stores.responses;
  // A run's output goes to its job's deliver: targets, else its agent's.
  const runTargets = (run: RunRecord, job: JobConfig | undefined) => {
    const jobTargets = job?.deliver ?? [];
    return jobTargets.length > 0 ? jobTargets : (config.agents?.[run.agentId]?.deliver ?? []);
  };
  const outputSink = createRunDeliverySink({
    outbox,
    store: schedulerStore,
    targetsFor: async (run) =>
      runTargets(run, (await schedulerStore.getJob(run.jobId))?.definition ?? config.jobs?.[run.jobId]),
    targetsOf: runTargets,
  });
  const onOutboxEvent = (event: OutboxEvent) => {
    outputSink.onOutboxEvent(event);
    for (const listener of deliveryListeners) listener(event);
  };
  // Several processes on one PostgreSQL store: runs are leased (see SchedulerOptions.leases).
  const leases =
    config.store?.kind === 'postgres' ? { owner: processId, leaseMs: config.store.leaseMs } : undefined;
  // ... and the subagent lane counts every process's subagent tasks (one lane for this process's schedulers).
  const subagents =
    shared && config.store?.kind === 'postgres'
      ? new SharedLane({
          store: shared.lanes,
          lane: 'subagents',
          limit: config.concurrency?.subagents ?? 4,
          owner: processId,
          leaseMs: config.store.leaseMs,
        })
      : undefined;
  const createScheduler = (options: Partial<SchedulerOptions> = {}) =>
    new Scheduler({
      config,
      router: currentRouter,
      store: schedulerStore,
      sessions,
      ...(leases ? { leases } : {}),
      ...(subagents ? { subagents } : {}),
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
    get warnings() {
      return warnings;
    },
    async loadNextConfig() {
      // A key added to $PYRAMID_HOME/env since the start counts (an unreadable file refuses the reload).
      const env = io.processEnv ? loadEnvFile(home, io.processEnv) : io.env;
      const loaded = await loadConfig({ file: configFile, env });
      const running = config;
      const changes = compareConfigSections(running, loaded.config);
      // What needs a restart keeps its running value, so that the config in use says what is in use.
      const next: PyramidConfig = {
        ...loaded.config,
        store: running.store,
        concurrency: running.concurrency,
        gateway: {
          ...loaded.config.gateway!,
          port: running.gateway!.port,
          bind: running.gateway!.bind,
          allowedHosts: running.gateway!.allowedHosts,
          connections: running.gateway!.connections,
        },
      };
      let applied = false;
      return {
        config: next,
        warnings: loaded.warnings,
        changes,
        restartNeeded: restartNeeded(changes),
        apply() {
          if (applied) return;
          applied = true;
          if (!same(running.budgets, next.budgets)) spendGuard = spendGuardFor(next.budgets);
          router = buildRouter(next, { config: running, router });
          void sharedBreakers?.useBoard(router.breakers).catch(() => {});
          probes = Object.fromEntries(
            Object.values(next.providers).map((provider) => [
              provider.name,
              same(running.providers[provider.name], provider) ? probes[provider.name] : probeFor(provider),
            ]),
          );
          delivery.reconfigure({ channels: next.channels, alerts: next.alerts });
          config = next;
          warnings = loaded.warnings;
        },
      };
    },
    ledger,
    get router() {
      return router;
    },
    get probes() {
      return probes;
    },
    sessions,
    schedulerStore,
    dashboard: stores.dashboard,
    store: { status: () => stores.status(), onStatus: (listener) => stores.onStatus(listener) },
    responses,
    processId,
    processes: stores.processes,
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
      // Alerts the shared rate limits are still deciding are queued (or held back) before the store goes.
      await alerter.settled();
      // Records of the last event-loop turn (a request aborted during shutdown) are committed, not dropped.
      await stores.close();
    },
  };
}

/** A model's definition as a reload compares it: its entry and its provider's (an unknown model: empty). */
function modelDefinition(config: PyramidConfig, name: string): string {
  const model = config.models[name];
  return model ? JSON.stringify([model, config.providers[model.provider]]) : '';
}
