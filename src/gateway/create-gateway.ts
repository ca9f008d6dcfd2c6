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
import { createHealthMonitor } from './health-monitor.ts';
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

/** A gateway ready to serve: the app, its context, and the health monitor to start and stop. */
export type Gateway = {
  app: Hono<GatewayEnv>;
  context: GatewayContext;
  setReady(ready: boolean): void;
  /** Stops the probes and the ledger subscription. */
  dispose(): void;
};

/** Builds the metrics, the health monitor and the app over the platform's router and ledger. */
export function createGateway(options: CreateGatewayOptions): Gateway {
  const now = options.now ?? Date.now;
  const { config, gateway, router, logger } = options;
  const metrics = createGatewayMetrics({
    breakers: router.breakers,
    models: Object.keys(config.models),
    now,
  });
  const recent = new RecentOutcomes({ windowMs: 5 * 60_000 });
  const unsubscribe = options.onRequestRecorded((request, attempts) => {
    metrics.observeRequest(request, attempts);
    recent.record(attempts, request.finishedAt);
  });
  const health = createHealthMonitor({
    config,
    probes: options.probes,
    breakers: router.breakers,
    intervalMs: gateway.probeIntervalMs,
    timeoutMs: gateway.probeTimeoutMs,
    logger,
    now,
  });
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
  const app = createGatewayApp({ context, tokens: options.tokens, routes: options.routes });
  return {
    app,
    context,
    setReady(value) {
      ready = value;
    },
    dispose() {
      health.stop();
      unsubscribe();
    },
  };
}
