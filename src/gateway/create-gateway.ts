import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { ProviderProbe } from '../contracts/model-call.ts';
import type { GatewayConfig, GatewayToken, PyramidConfig } from '../contracts/pyramid-config.ts';
import type { RequestRecord } from '../contracts/request-ledger.ts';
import type { ResponseStore } from '../contracts/response-store.ts';
import type { StoreStatus } from '../contracts/stores.ts';
import type { Attempt } from '../contracts/trace.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Router } from '../router/router.ts';
import { createGatewayApp, type GatewayRoutes } from './create-gateway-app.ts';
import type { GatewayContext } from './gateway-context.ts';
import type { GatewayEnv } from './gateway-env.ts';
import { createGatewayMetrics } from './gateway-metrics.ts';
import { createHealthMonitor, type HealthMonitor } from './health-monitor.ts';
import { RecentOutcomes } from './recent-outcomes.ts';

export type CreateGatewayOptions = {
  config: PyramidConfig;
  gateway: GatewayConfig;
  router: Router;
  ledger: Pick<Ledger, 'usage' | 'getRequest'>;
  /** Where Responses API responses are kept (`store`, `previous_response_id`); none are when omitted. */
  responses?: ResponseStore;
  probes: Record<string, ProviderProbe>;
  /** Subscribes to every request committed to the ledger (metrics and error rates). */
  onRequestRecorded: (listener: (request: RequestRecord, attempts: readonly Attempt[]) => void) => () => void;
  tokens: readonly GatewayToken[];
  logger: Logger;
  version: string;
  routes?: GatewayRoutes[];
  /** The store's health, for readiness (default: always ok). */
  storeStatus?: () => StoreStatus;
  now?: () => number;
  newId?: () => string;
};

/** What a config reload hands the gateway: the parts of the new config it serves with. */
export type GatewayReconfiguration = Pick<
  CreateGatewayOptions,
  'config' | 'gateway' | 'router' | 'probes' | 'tokens'
>;

/** A gateway ready to serve: the app, its context, and the health monitor to start and stop. */
export type Gateway = {
  app: Hono<GatewayEnv>;
  context: GatewayContext;
  setReady(ready: boolean): void;
  /**
   * Serves with a reloaded config from now on: routing, tokens, limits and probes. Requests already
   * under way finish with what they started with. The listening socket's settings (port, bind
   * address, allowed hosts, connections) are the ones the gateway started with.
   */
  reconfigure(next: GatewayReconfiguration): void;
  /** Stops the probes and the ledger subscription. */
  dispose(): void;
};

/** Builds the metrics, the health monitor and the app over the platform's router and ledger. */
export function createGateway(options: CreateGatewayOptions): Gateway {
  const now = options.now ?? Date.now;
  const { config, gateway, router, logger } = options;
  const models = Object.keys(config.models);
  const metrics = createGatewayMetrics({
    // The breakers of the router in use (a reload replaces it).
    breakers: { snapshot: (model, at) => context.router.breakers.snapshot(model, at) },
    models,
    now,
  });
  const recent = new RecentOutcomes({ windowMs: 5 * 60_000 });
  const unsubscribe = options.onRequestRecorded((request, attempts) => {
    metrics.observeRequest(request, attempts);
    recent.record(attempts, request.finishedAt);
  });
  const monitorFor = (next: Pick<CreateGatewayOptions, 'config' | 'gateway' | 'router' | 'probes'>) =>
    createHealthMonitor({
      config: next.config,
      probes: next.probes,
      breakers: next.router.breakers,
      intervalMs: next.gateway.probeIntervalMs,
      timeoutMs: next.gateway.probeTimeoutMs,
      logger,
      now,
    });
  // One monitor object for the routes; a reload replaces the one inside (probing at once if started).
  let monitor = monitorFor(options);
  let probing = false;
  const health: HealthMonitor = {
    probeAll: () => monitor.probeAll(),
    start() {
      probing = true;
      monitor.start();
    },
    stop() {
      probing = false;
      monitor.stop();
    },
    providers: () => monitor.providers(),
  };
  let tokens = options.tokens;
  let ready = false;
  const context: GatewayContext = {
    router,
    ledger: options.ledger,
    ...(options.responses ? { responses: options.responses } : {}),
    config,
    gateway,
    metrics,
    health,
    recent,
    logger,
    version: options.version,
    startedAt: now(),
    isReady: () => ready,
    storeStatus: options.storeStatus ?? (() => ({ state: 'ok', since: 0 })),
    now,
    newId: options.newId ?? (() => crypto.randomUUID()),
  };
  const app = createGatewayApp({ context, tokens: () => tokens, routes: options.routes });
  return {
    app,
    context,
    setReady(value) {
      ready = value;
    },
    reconfigure(next) {
      context.config = next.config;
      context.gateway = next.gateway;
      context.router = next.router;
      tokens = next.tokens;
      models.splice(0, models.length, ...Object.keys(next.config.models));
      monitor.stop();
      monitor = monitorFor(next);
      if (probing) monitor.start();
    },
    dispose() {
      health.stop();
      unsubscribe();
    },
  };
}
