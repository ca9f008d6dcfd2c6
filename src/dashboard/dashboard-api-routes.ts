import type { Context, Hono } from 'hono';
import { defaultTargets } from '../config/sections/targets-section.ts';
import type { LastConfigReload } from '../contracts/config-reload.ts';
import type { RequestFilter } from '../contracts/dashboard-store.ts';
import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import { StoreError } from '../contracts/errors/store-error.ts';
import { deliveryView } from '../delivery/deliveries-routes.ts';
import type { GatewayAuth } from '../gateway/create-gateway-app.ts';
import type { GatewayContext } from '../gateway/gateway-context.ts';
import type { GatewayEnv } from '../gateway/gateway-env.ts';
import { GatewayHttpError } from '../gateway/gateway-http-error.ts';
import { parseSince } from '../ledger/parse-since.ts';
import type { DashboardEvents } from './dashboard-events.ts';
import type { DashboardPlatform, DashboardScheduler } from './dashboard-platform.ts';
import { maskConfig } from './mask-config.ts';

export type DashboardApiOptions = {
  platform: DashboardPlatform;
  scheduler: DashboardScheduler;
  events: DashboardEvents;
  /** The last config reload of the running process (SIGHUP, the API, the file watch); undefined before one. */
  lastReload?: () => LastConfigReload | undefined;
};

const day = 86_400_000;
const statusFor: Record<string, number> = {
  job_not_found: 404,
  delivery_not_found: 404,
  delivery_not_failed: 409,
  delivery_not_retryable: 409,
};

function badQuery(param: string, message: string): GatewayHttpError {
  return new GatewayHttpError(400, 'invalid_request_error', 'invalid_request', message, { param });
}

function since(c: Context, now: number, fallback: string, param = 'since'): number {
  try {
    return parseSince(c.req.query(param) ?? fallback, now);
  } catch (error) {
    if (error instanceof PyramidError) throw badQuery(param, error.message);
    throw error;
  }
}

/** A PyramidError of ours answered with its status and `{ error: { code, message } }`; store errors go on (503). */
function actionError(c: Context, error: unknown): Response {
  if (
    error instanceof PyramidError &&
    !(error instanceof StoreError) &&
    !(error instanceof GatewayHttpError)
  ) {
    return c.json(
      { error: { code: error.code, message: error.message } },
      (statusFor[error.code] ?? 400) as 400,
    );
  }
  throw error;
}

/**
 * The queries and actions the dashboard needs beyond the CLI's endpoints, as /api routes (readable with
 * a viewer token, actions admin only, like every /api route):
 * GET /api/overview, GET /api/requests, GET /api/config, POST /api/jobs/:id/enable|disable,
 * POST /api/deliveries/:id/retry, POST /api/dashboard/links.
 */
export function dashboardApiRoutes(options: DashboardApiOptions) {
  const { platform, scheduler, events, lastReload } = options;
  return (app: Hono<GatewayEnv>, context: GatewayContext, auth: GatewayAuth): void => {
    const { now } = context;

    app.get('/api/overview', async (c) => {
      const at = now();
      const config = platform.config;
      const today = Math.floor(at / day) * day;
      const budgets = config.budgets;
      const perTag = Object.entries(budgets?.perTag ?? {});
      const [perMinute, reasons, deliveries, spentToday, spentByTag] = await Promise.all([
        platform.dashboard.requestsPerMinute({ sinceMs: at - 60 * 60_000 }),
        platform.dashboard.attemptReasons({ sinceMs: since(c, at, '24h') }),
        platform.dashboard.deliveryCounts(at - day),
        platform.ledger.spentSince(today),
        Promise.all(perTag.map(([tag]) => platform.ledger.spentSince(today, tag))),
      ]);
      const stats = scheduler.stats();
      return c.json({
        at,
        sinceMs: since(c, at, '24h'),
        requestsPerMinute: perMinute,
        escalations: reasons.escalations,
        failovers: reasons.failovers,
        budgets: [
          ...(budgets?.dailyUsd === undefined
            ? []
            : [{ scope: 'all callers', capUsd: budgets.dailyUsd, spentUsd: spentToday }]),
          ...perTag.map(([tag, capUsd], index) => ({ scope: tag, capUsd, spentUsd: spentByTag[index] })),
        ],
        spentTodayUsd: spentToday,
        runs: { running: stats.running, queued: stats.queued, retryWaiting: stats.retryWaiting },
        deliveries: { pending: deliveries.pending, failedLast24h: deliveries.failed },
        targets: config.targets ?? defaultTargets,
      });
    });

    app.get('/api/requests', async (c) => {
      const at = now();
      const query = (name: string) => c.req.query(name) || undefined;
      const tier = query('tier');
      if (tier !== undefined && !/^\d+$/.test(tier)) throw badQuery('tier', 'tier must be a tier number');
      const outcome = query('outcome');
      if (outcome !== undefined && outcome !== 'ok' && outcome !== 'error')
        throw badQuery('outcome', 'outcome must be ok or error');
      const before = query('before');
      if (before !== undefined && !Number.isFinite(Number(before)))
        throw badQuery('before', 'before must be a time in ms');
      const filter: RequestFilter = {
        sinceMs: since(c, at, '30d'),
        ...(query('until') ? { untilMs: since(c, at, '0m', 'until') } : {}),
        ...(query('task') ? { task: query('task') } : {}),
        ...(tier !== undefined ? { tier: Number(tier) } : {}),
        ...(query('model') ? { model: query('model') } : {}),
        ...(outcome ? { outcome } : {}),
        ...(query('caller') ? { caller: query('caller') } : {}),
        ...(before !== undefined ? { before: Number(before) } : {}),
        limit: Math.min(1000, Math.max(1, Number(query('limit') ?? 50) || 50)),
      };
      return c.json({ requests: await platform.dashboard.listRequests(filter) });
    });

    app.get('/api/config', (c) =>
      c.json({
        file: platform.configFile,
        config: maskConfig(platform.config),
        warnings: platform.warnings,
        lastReload: lastReload?.() ?? null,
      }),
    );

    for (const [action, enabled] of [
      ['enable', true],
      ['disable', false],
    ] as const) {
      app.post(`/api/jobs/:id/${action}`, async (c) => {
        try {
          const job = await scheduler.setEnabled(c.req.param('id'), enabled);
          events.publish('jobs');
          return c.json({ job });
        } catch (error) {
          return actionError(c, error);
        }
      });
    }

    app.post('/api/deliveries/:id/retry', async (c) => {
      try {
        const delivery = await platform.outbox.retry(c.req.param('id'));
        events.publish('deliveries');
        return c.json({ delivery: deliveryView(delivery) });
      } catch (error) {
        return actionError(c, error);
      }
    });

    // A one-time sign-in link for `pyramid dashboard`: the code rides in the fragment, so it never
    // reaches a server log or a Referer; the page posts it to /ui/session/code.
    app.post('/api/dashboard/links', (c) => {
      const { code, expiresAt } = auth.sessions.createCode(c.get('caller'));
      const origin = new URL(c.req.url).origin;
      return c.json({ url: `${origin}/ui/#code=${code}`, expiresAt: new Date(expiresAt).toISOString() }, 201);
    });
  };
}
