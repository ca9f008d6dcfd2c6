import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import type { LastConfigReload } from '../contracts/config-reload.ts';
import type { GatewayAuth } from '../gateway/create-gateway-app.ts';
import type { GatewayContext } from '../gateway/gateway-context.ts';
import type { GatewayEnv } from '../gateway/gateway-env.ts';
import { GatewayHttpError } from '../gateway/gateway-http-error.ts';
import { dashboardApiRoutes } from './dashboard-api-routes.ts';
import { loadDashboardAssets } from './dashboard-assets.ts';
import { createDashboardEvents, type DashboardTopic } from './dashboard-events.ts';
import type { DashboardPlatform, DashboardScheduler } from './dashboard-platform.ts';
import { csrfHeader, type DashboardSession, sessionCookie } from './dashboard-sessions.ts';

export type DashboardOptions = {
  platform: DashboardPlatform;
  scheduler: DashboardScheduler;
  /** The last config reload (for the Config view's "last reload"). */
  lastReload?: () => LastConfigReload | undefined;
  /** How often runs are watched and a `tick` is sent on the event stream (tests shorten them). */
  pollMs?: number;
  tickMs?: number;
};

/**
 * The dashboard: `/` redirects to `/ui/`; every `/ui/...` path answers the one page (drawn in the
 * browser from the same /api routes the CLI reads); sign-in exchanges a token or a one-time code for
 * an HttpOnly, SameSite=Strict session cookie; `/ui/events` streams changes (server-sent events).
 * Mount it in the gateway's `routes`.
 */
export function dashboardRoutes(options: DashboardOptions) {
  const assets = loadDashboardAssets();
  const events = createDashboardEvents({
    platform: options.platform,
    scheduler: options.scheduler,
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    ...(options.tickMs ? { tickMs: options.tickMs } : {}),
  });
  const api = dashboardApiRoutes({
    platform: options.platform,
    scheduler: options.scheduler,
    events,
    ...(options.lastReload ? { lastReload: options.lastReload } : {}),
  });
  return (app: Hono<GatewayEnv>, context: GatewayContext, auth: GatewayAuth): void => {
    api(app, context, auth);
    const { sessions } = auth;
    const secured = (_c: Context, response: Response) => {
      response.headers.set('content-security-policy', assets.csp);
      response.headers.set('x-content-type-options', 'nosniff');
      response.headers.set('referrer-policy', 'no-referrer');
      response.headers.set('x-frame-options', 'DENY');
      response.headers.set('cache-control', 'no-cache');
      return response;
    };
    const signIn = (c: Context, session: DashboardSession) => {
      setCookie(c, sessionCookie, session.id, {
        httpOnly: true,
        sameSite: 'Strict',
        path: '/',
        secure: new URL(c.req.url).protocol === 'https:',
      });
      return c.json({
        signedIn: true,
        name: session.caller.name,
        scopes: session.caller.scopes,
        csrf: session.csrf,
      });
    };

    app.get('/', (c) => c.redirect('/ui/', 302));
    app.get('/ui', (c) => c.redirect('/ui/', 302));

    app.get('/ui/assets/*', (c) => {
      const asset = assets.assets.get(c.req.path.slice('/ui/assets/'.length));
      if (!asset) return secured(c, c.text('not found', 404));
      return secured(c, c.body(asset.body, 200, { 'content-type': asset.type }));
    });

    // Who is signed in, and the csrf value the page sends with every action (unreadable cross-site).
    app.get('/ui/session', (c) => {
      if (!context.gateway.auth.enabled)
        return secured(c, c.json({ signedIn: true, name: 'anonymous', scopes: ['admin'], csrf: '' }));
      const session = sessions.get(getCookie(c, sessionCookie));
      if (!session) return secured(c, c.json({ signedIn: false }));
      return secured(
        c,
        c.json({
          signedIn: true,
          name: session.caller.name,
          scopes: session.caller.scopes,
          csrf: session.csrf,
        }),
      );
    });

    // Sign-in with a token: sent as a bearer header, so the gateway's auth (and its throttle) checks it.
    app.post('/ui/session', auth.requireScope('viewer'), (c) =>
      secured(c, signIn(c, sessions.create(c.get('caller')))),
    );

    app.post('/ui/session/code', async (c) => {
      const body = (await c.req.json().catch(() => ({}))) as { code?: unknown };
      const caller = typeof body.code === 'string' ? sessions.redeem(body.code) : undefined;
      if (!caller)
        throw new GatewayHttpError(
          401,
          'authentication_error',
          'invalid_sign_in_code',
          'This sign-in link was used already or has expired: run pyramid dashboard again, or sign in with a token.',
        );
      return secured(c, signIn(c, sessions.create(caller)));
    });

    app.post('/ui/signout', (c) => {
      const id = getCookie(c, sessionCookie);
      const session = sessions.get(id);
      if (session && c.req.header(csrfHeader) !== session.csrf)
        throw new GatewayHttpError(
          403,
          'permission_error',
          'csrf_failed',
          `Sign-out needs the ${csrfHeader} header.`,
        );
      sessions.destroy(id);
      deleteCookie(c, sessionCookie, { path: '/' });
      return secured(c, c.json({ signedIn: false }));
    });

    app.get('/ui/events', auth.requireScope('viewer'), (c) => {
      const response = streamSSE(c, async (stream) => {
        const pending = new Set<DashboardTopic>();
        let wake: (() => void) | undefined;
        const unsubscribe = events.subscribe((topic) => {
          pending.add(topic);
          wake?.();
        });
        stream.onAbort(() => wake?.());
        let wasReady = context.isReady();
        try {
          await stream.writeSSE({ event: 'hello', data: '{}' });
          while (!stream.aborted) {
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, 1000).unref();
            });
            wake = undefined;
            // A draining gateway ends the stream, so shutdown does not wait on an open page.
            const ready = context.isReady();
            if (wasReady && !ready) break;
            wasReady ||= ready;
            if (pending.size > 0) {
              const topics = [...pending];
              pending.clear();
              await stream.writeSSE({ event: 'change', data: JSON.stringify({ topics }) });
            }
          }
        } finally {
          unsubscribe();
        }
      });
      return secured(c, response);
    });

    app.get('/ui/*', (c) => secured(c, c.html(assets.page)));
  };
}
