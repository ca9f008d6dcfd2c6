import type { Logger } from 'pino';
import type { GatewayConfig, PyramidConfig } from '../contracts/pyramid-config.ts';
import type { ResponseStore } from '../contracts/response-store.ts';
import type { StoreStatus } from '../contracts/stores.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Router } from '../router/router.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';
import type { HealthMonitor } from './health-monitor.ts';
import type { RecentOutcomes } from './recent-outcomes.ts';

/** Everything a route needs, built once by the wiring and handed to each route module. */
export type GatewayContext = {
  router: Router;
  ledger: Pick<Ledger, 'usage' | 'getRequest'>;
  /** Responses API responses kept for GET /v1/responses/{id} and previous_response_id; none stored when absent. */
  responses?: ResponseStore;
  config: PyramidConfig;
  gateway: GatewayConfig;
  metrics: GatewayMetrics;
  health: HealthMonitor;
  recent: RecentOutcomes;
  logger: Logger;
  version: string;
  /** When the gateway started (ms since epoch), for uptime. */
  startedAt: number;
  /** False until the config and store are ready, and again while draining. */
  isReady: () => boolean;
  /** The store's health: readiness fails while it cannot write or is gone. */
  storeStatus: () => StoreStatus;
  now: () => number;
  newId: () => string;
};
