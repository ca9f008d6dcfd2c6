export { type CreateGatewayOptions, createGateway, type Gateway } from './create-gateway.ts';
export {
  builtInRoutes,
  createGatewayApp,
  type GatewayAppOptions,
  type GatewayRoutes,
} from './create-gateway-app.ts';
export { createGatewayLogger, redactedPaths } from './create-gateway-logger.ts';
export type { GatewayCaller } from './gateway-caller.ts';
export type { GatewayContext } from './gateway-context.ts';
export type { GatewayEnv } from './gateway-env.ts';
export { GatewayHttpError, type OpenAiErrorType } from './gateway-http-error.ts';
export { createGatewayMetrics, type GatewayMetrics } from './gateway-metrics.ts';
export { createHealthMonitor, type HealthMonitor, type ProviderHealth } from './health-monitor.ts';
export {
  credentialsFile,
  type GatewayTokens,
  loadGatewayTokens,
  newGatewayToken,
} from './load-gateway-tokens.ts';
export { type GatewayServer, startGatewayServer } from './start-gateway-server.ts';
