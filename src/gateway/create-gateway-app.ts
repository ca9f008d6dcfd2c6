import { Hono, type MiddlewareHandler } from 'hono';
import type { GatewayScope, GatewayToken } from '../contracts/pyramid-config.ts';
import { createDashboardSessions, type DashboardSessions } from '../dashboard/dashboard-sessions.ts';
import { createAuthMiddleware } from './create-auth-middleware.ts';
import { createHostCheck } from './create-host-check.ts';
import { createJsonBodyMiddleware } from './create-json-body-middleware.ts';
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
 * A group of routes mounted on the gateway app. Before a route runs, the request's Host and Origin
 * have been checked, paths under `/api/` have needed an admin token and paths under `/v1/` a client
 * token, and a body has been read, bounded and parsed as JSON (`jsonBody(c)`, or `c.req.json()`);
 * errors thrown as GatewayHttpError (or InvalidQueryError) become OpenAI-style error bodies.
 */
export type GatewayRoutes = (app: Hono<GatewayEnv>, context: GatewayContext, auth: GatewayAuth) => void;

/** For route groups that guard paths of their own (the dashboard): the scope check, and the sign-in sessions. */
export type GatewayAuth = {
  requireScope: (scope: GatewayScope) => MiddlewareHandler<GatewayEnv>;
  sessions: DashboardSessions;
};

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
  /** The tokens accepted (from the config, or the generated credentials); a function is asked at each request (a reload changes them). */
  tokens: readonly GatewayToken[] | (() => readonly GatewayToken[]);
  /** More route groups (jobs, runs, the dashboard), mounted after the built-in ones. */
  routes?: GatewayRoutes[];
};

const jsonBodyFor = (gateway: GatewayContext['gateway']) =>
  createJsonBodyMiddleware({ maxBytes: gateway.bodyLimitBytes, limits: gateway.limits });

/** The gateway's Hono app: auth, the routes, request logs and error bodies. No socket: see startGatewayServer. */
export function createGatewayApp(options: GatewayAppOptions): Hono<GatewayEnv> {
  const { context } = options;
  // The gateway settings in use are read at each request (a reload replaces them), except the host
  // check's, which belong to the listening socket and need a restart.
  const { gateway, logger, now } = context;
  const app = new Hono<GatewayEnv>();
  const sessions = createDashboardSessions({ now });
  const tokensNow =
    typeof options.tokens === 'function' ? options.tokens : () => options.tokens as readonly GatewayToken[];
  let verifier = { tokens: tokensNow(), verify: createTokenVerifier(tokensNow()) };
  const requireScope = createAuthMiddleware({
    get enabled() {
      return context.gateway.auth.enabled;
    },
    verify: (presented) => {
      const tokens = tokensNow();
      if (tokens !== verifier.tokens) verifier = { tokens, verify: createTokenVerifier(tokens) };
      return verifier.verify(presented);
    },
    get throttle() {
      return context.gateway.auth.throttle;
    },
    now,
    session: sessions.callerFor,
  });
  const auth: GatewayAuth = { requireScope, sessions };
  // Reading /api takes a viewer token (or admin); anything else an admin one.
  const apiRead = requireScope('viewer');
  const apiWrite = requireScope('admin');

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
    // Answered before its body was read (refused by auth, too large, unknown path): close the
    // connection rather than let Node read and discard the rest of the body, however large.
    const incoming = c.env?.incoming;
    if (incoming && !incoming.complete) c.res.headers.set('connection', 'close');
  });
  app.use('*', createHostCheck({ bind: gateway.bind, allowedHosts: gateway.allowedHosts }));
  app.use('/v1/*', requireScope('client'));
  app.use('/api/*', (c, next) =>
    (c.req.method === 'GET' || c.req.method === 'HEAD' ? apiRead : apiWrite)(c, next),
  );
  app.use('/metrics', requireScope('admin'));
  let body = { for: context.gateway, middleware: jsonBodyFor(context.gateway) };
  app.use('*', (c, next) => {
    if (body.for !== context.gateway)
      body = { for: context.gateway, middleware: jsonBodyFor(context.gateway) };
    return body.middleware(c, next);
  });

  for (const routes of [...builtInRoutes, ...(options.routes ?? [])]) routes(app, context, auth);

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
