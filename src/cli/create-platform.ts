import { join } from 'node:path';
import { loadConfig, resolvePyramidPaths } from '../config/index.ts';
import { createLedger, type Ledger } from '../ledger/index.ts';
import { createModelAdapter } from '../providers/create-model-adapter.ts';
import { createProviderProbe } from '../providers/create-provider-probe.ts';
import { BreakerBoard } from '../router/breaker-board.ts';
import { Router } from '../router/router.ts';
import { Scheduler, type SchedulerOptions } from '../scheduler/index.ts';
import type { ConfigIssue } from '../spec/errors/config-error.ts';
import type { ModelAdapter, ProviderProbe } from '../spec/model-call.ts';
import type { PyramidConfig } from '../spec/pyramid-config.ts';
import type { RequestLedger, RequestRecord } from '../spec/request-ledger.ts';
import type { SchedulerStore } from '../spec/scheduler-store.ts';
import type { SessionStore } from '../spec/session-store.ts';
import type { Attempt } from '../spec/trace.ts';
import {
  closeSqlite,
  createSqliteLedgerStore,
  createSqliteSchedulerStore,
  createSqliteSessionStore,
  openSqlite,
} from '../store/index.ts';
import type { CliIo, GlobalOptions } from './cli-io.ts';

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
  /** A scheduler over this platform's store and router; `pyramid start` starts it, CLI commands use it unstarted. */
  createScheduler(options?: Partial<SchedulerOptions>): Scheduler;
  close(): void;
};

export type RequestRecordedListener = (request: RequestRecord, attempts: readonly Attempt[]) => void;

/** Loads the config (throws ConfigError), opens the store in PYRAMID_HOME and builds the router. */
export async function createPlatform(io: CliIo, options: GlobalOptions): Promise<Platform> {
  const { home, configFile } = resolvePyramidPaths({
    env: io.env,
    explicitConfigPath: options.config,
    homedir: io.homedir,
    cwd: io.cwd,
  });
  const { config, warnings } = await loadConfig({ file: configFile, env: io.env });
  const db = openSqlite(join(home, 'pyramid.db'));
  const ledger = createLedger({ store: createSqliteLedgerStore(db), config });
  const adapters = new Map<string, ModelAdapter>();
  const adapterFor = (name: string): ModelAdapter => {
    let adapter = adapters.get(name);
    if (!adapter) {
      const model = config.models[name];
      adapter = createModelAdapter({
        provider: config.providers[model.provider],
        model,
        fetch: io.fetch,
        now: io.now,
      });
      adapters.set(name, adapter);
    }
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
  const probes = Object.fromEntries(
    Object.values(config.providers).map((provider) => [
      provider.name,
      createProviderProbe({ provider, fetch: io.fetch, now: io.now }),
    ]),
  );
  const router = new Router({
    config,
    adapterFor,
    ledger: observedLedger,
    breakers: new BreakerBoard(config.router.breaker),
    now: io.now,
  });
  const sessions = createSqliteSessionStore(db);
  const schedulerStore = createSqliteSchedulerStore(db);
  const createScheduler = (options: Partial<SchedulerOptions> = {}) =>
    new Scheduler({
      config,
      router,
      store: schedulerStore,
      sessions,
      ...(io.fetch ? { fetch: io.fetch } : {}),
      spentSince: (sinceMs, agentId) => ledger.spentSince(sinceMs, agentId),
      ...options,
    });
  return {
    home,
    configFile,
    config,
    warnings,
    ledger,
    router,
    probes,
    sessions,
    schedulerStore,
    createScheduler,
    onRequestRecorded(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => closeSqlite(db),
  };
}
