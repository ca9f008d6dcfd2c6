import type { Hono } from 'hono';
import type { GatewayContext } from '../gateway-context.ts';
import type { GatewayEnv } from '../gateway-env.ts';

/** GET /metrics: Prometheus text from the gateway's own registry. */
export function metricsRoute(app: Hono<GatewayEnv>, context: GatewayContext): void {
  const { metrics } = context;
  app.get('/metrics', async (c) =>
    c.body(await metrics.render(), 200, { 'content-type': metrics.registry.contentType }),
  );
}
