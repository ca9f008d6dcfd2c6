import type { Context, MiddlewareHandler } from 'hono';
import type { GatewayScope } from '../contracts/pyramid-config.ts';
import { AuthThrottle } from './auth-throttle.ts';
import type { GatewayCaller } from './gateway-caller.ts';
import type { GatewayEnv } from './gateway-env.ts';
import { GatewayHttpError } from './gateway-http-error.ts';

/** `enabled` and `throttle` are read at each request (getters may change them: a config reload). */
export type AuthOptions = {
  enabled: boolean;
  verify: (presented: string) => GatewayCaller | undefined;
  throttle: { maxFailures: number; windowMs: number };
  now: () => number;
  /** The caller of a request without an Authorization header, from a dashboard session cookie (may throw 403). */
  session?: (c: Context<GatewayEnv>) => GatewayCaller | undefined;
};

const everything: GatewayCaller = { name: 'anonymous', scopes: ['admin', 'client'] };

/**
 * Bearer-token auth (or the same token in `x-api-key`, as the Anthropic SDKs and Claude Code send it).
 * Returns a middleware factory: `requireScope('admin')` guards a path. A valid token is always accepted,
 * whatever failures came from its address (behind a reverse proxy every client shares one). A wrong
 * token counts against its address: past `throttle.maxFailures` within the window, that address's wrong
 * tokens are answered 429 with Retry-After instead of 401 until the oldest counted failure leaves the
 * window. A request with no token at all is a 401 that counts against nobody: it guesses nothing. So
 * that no valid client can be locked out by others, a guess is still checked while throttled: what keeps
 * guessing from succeeding is the token's length (a generated one has 256 random bits).
 */
export function createAuthMiddleware(
  options: AuthOptions,
): (scope: GatewayScope) => MiddlewareHandler<GatewayEnv> {
  let throttled = { config: options.throttle, throttle: new AuthThrottle(options.throttle) };
  return (scope) => async (c, next) => {
    const settings = options.throttle;
    if (
      settings.maxFailures !== throttled.config.maxFailures ||
      settings.windowMs !== throttled.config.windowMs
    )
      throttled = { config: settings, throttle: new AuthThrottle(settings) };
    const { throttle } = throttled;
    if (!options.enabled) {
      c.set('caller', everything);
      return next();
    }
    const header = c.req.header('authorization');
    const presented =
      header !== undefined
        ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1]
        : c.req.header('x-api-key')?.trim() || undefined;
    // The dashboard's session cookie stands in for a token only when none was sent.
    const session = presented === undefined && header === undefined ? options.session?.(c) : undefined;
    if (presented === undefined && !session)
      throw new GatewayHttpError(
        401,
        'authentication_error',
        'invalid_api_key',
        "Missing bearer token: send 'Authorization: Bearer <token>' or 'x-api-key: <token>' (see $PYRAMID_HOME/credentials).",
        { headers: { 'www-authenticate': 'Bearer' } },
      );
    const caller = presented !== undefined ? options.verify(presented) : session;
    if (!caller) {
      const address = c.env?.incoming?.socket?.remoteAddress ?? 'unknown';
      const now = options.now();
      const wait = throttle.retryAfterMs(address, now);
      if (wait > 0) {
        const seconds = Math.ceil(wait / 1000);
        throw new GatewayHttpError(
          429,
          'rate_limit_error',
          'auth_throttled',
          `Too many failed authentications from this address; retry in ${seconds} s.`,
          { headers: { 'retry-after': String(seconds) } },
        );
      }
      throttle.recordFailure(address, now);
      throw new GatewayHttpError(
        401,
        'authentication_error',
        'invalid_api_key',
        'Incorrect API key provided.',
        {
          headers: { 'www-authenticate': 'Bearer' },
        },
      );
    }
    if (!caller.scopes.includes(scope) && !caller.scopes.includes('admin')) {
      throw new GatewayHttpError(
        403,
        'permission_error',
        'insufficient_scope',
        `The token '${caller.name}' lacks the '${scope}' scope for this endpoint.`,
      );
    }
    c.set('caller', caller);
    return next();
  };
}
