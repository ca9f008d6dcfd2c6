import { Hono } from 'hono';
import type { GatewayToken } from '../contracts/pyramid-config.ts';
import { createAuthMiddleware } from './create-auth-middleware.ts';
import { createTokenVerifier } from './create-token-verifier.ts';
import { errorBodyForPath } from './error-body-for-path.ts';
import type { GatewayContext } from './gateway-context.ts';
import type { GatewayEnv } from './gateway-env.ts';
import { GatewayHttpError } from './gateway-http-error.ts';
import { chatCompletionsRoute } from './routes/chat-completions-route.ts';
import { embeddingsRoute } from './routes/embeddings-route.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { messagesRoute } from './routes/messages-route.ts';
import { metricsRoute } from './routes/metrics-route.ts';
import { modelsRoute } from './routes/models-route.ts';
import { responsesRoute } from './routes/responses-route.ts';
import { usageRoutes } from './routes/usage-routes.ts';
import { toGatewayHttpError } from './to-gateway-http-error.ts';

/**
 * A group of routes mounted on the gateway app. Paths under `/api/` need an admin token and paths
 * under `/v1/` a client token before the route runs; errors thrown as GatewayHttpError become
 * OpenAI-style error bodies.
 */
export type GatewayRoutes = (app: Hono<GatewayEnv>, context: GatewayContext) => void;

/** The built-in route groups, in the order they are mounted. */
export const builtInRoutes: GatewayRoutes[] = [
  healthRoutes,
  modelsRoute,
  chatCompletionsRoute,
  messagesRoute,
  responsesRoute,
  embeddingsRoute,
  usageRoutes,
  metricsRoute,
];

export type GatewayAppOptions = {
  context: GatewayContext;
  /** The tokens accepted (from the config, or the generated credentials). */
  tokens: readonly GatewayToken[];
  /** More route groups (jobs, runs, the dashboard), mounted after the built-in ones. */
  routes?: GatewayRoutes[];
};

/** The gateway's Hono app: auth, the routes, request logs and error bodies. No socket: see startGatewayServer. */
export function createGatewayApp(options: GatewayAppOptions): Hono<GatewayEnv> {
  const { context } = options;
  const { gateway, logger, now } = context;
  const app = new Hono<GatewayEnv>();
  const requireScope = createAuthMiddleware({
    enabled: gateway.auth.enabled,
    verify: createTokenVerifier(options.tokens),
    throttle: gateway.auth.throttle,
    now,
  });

  app.use('*', async (c, next) => {
    const started = now();
    await next();
    // Never headers or bodies: they carry tokens and prompts.
    logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: now() - started,
        caller: c.get('caller')?.name,
        requestId: c.res.headers.get('x-pyramid-request-id') ?? undefined,
      },
      'request',
    );
  });
  app.use('/v1/*', requireScope('client'));
  app.use('/api/*', requireScope('admin'));
  app.use('/metrics', requireScope('admin'));

  for (const routes of [...builtInRoutes, ...(options.routes ?? [])]) routes(app, context);

  app.notFound((c) =>
    c.json(
      errorBodyForPath(
        c.req.path,
        new GatewayHttpError(
          404,
          'not_found_error',
          'not_found',
          `No endpoint ${c.req.method} ${c.req.path}.`,
        ),
      ),
      404,
    ),
  );
  app.onError((error, c) => {
    let http = toGatewayHttpError(error);
    if (!http) {
      const requestId = c.res.headers.get('x-pyramid-request-id');
      logger.error({ err: error, path: c.req.path, requestId }, 'internal error');
      http = new GatewayHttpError(
        500,
        'api_error',
        'internal_error',
        `Internal error in the gateway${requestId ? ` (request ${requestId})` : ''}; the gateway log has the details.`,
      );
    }
    return c.json(
      errorBodyForPath(c.req.path, http, c.res.headers.get('x-pyramid-request-id')),
      http.status as 400,
      http.headers,
    );
  });
  return app;
}
