import type { Hono } from 'hono';
import type { GatewayContext } from '../gateway-context.ts';
import type { GatewayEnv } from '../gateway-env.ts';

/**
 * GET /health (liveness: never touches the store), /health/ready (503 until ready, while draining, and
 * while the store cannot write or is gone, with the reason), /api/health (per model and provider).
 */
export function healthRoutes(app: Hono<GatewayEnv>, context: GatewayContext): void {
  const { recent, now, version, startedAt } = context;
  app.get('/health', (c) =>
    c.json({
      ok: true,
      status: 'ok',
      uptimeSeconds: Math.floor((now() - startedAt) / 1000),
      version,
      store: context.storeStatus().state,
    }),
  );
  app.get('/health/ready', (c) => {
    const store = context.storeStatus();
    if (store.state !== 'ok') {
      return c.json(
        {
          ok: false,
          status: store.state === 'gone' ? 'store_gone' : 'store_degraded',
          reason: store.reason,
          since: store.since,
        },
        503,
      );
    }
    return context.isReady()
      ? c.json({ ok: true, status: 'ready' })
      : c.json({ ok: false, status: 'not_ready' }, 503);
  });
  app.get('/api/health', (c) => {
    // The config, router and probes in use (a reload replaces them).
    const { config, router, health } = context;
    const at = now();
    const providers = health.providers();
    const models = Object.fromEntries(
      Object.values(config.models).map((model) => {
        const provider = config.providers[model.provider];
        const breaker = router.breakers.snapshot(model.name, at);
        const probe = providers[model.provider];
        return [
          model.name,
          {
            provider: model.provider,
            tier: config.tiers.findIndex((names) => names.includes(model.name)),
            available: !provider.unavailableReason && breaker.state !== 'open' && probe?.reachable !== false,
            breaker,
            lastProbe: probe,
            recent: recent.summary(model.name, at),
          },
        ];
      }),
    );
    const degraded = Object.values(models).some((model) => !model.available);
    return c.json({ ok: true, status: degraded ? 'degraded' : 'ok', checkedAt: at, providers, models });
  });
}
