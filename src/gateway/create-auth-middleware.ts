import type { MiddlewareHandler } from 'hono';
import type { GatewayScope } from '../contracts/pyramid-config.ts';
import { AuthThrottle } from './auth-throttle.ts';
import type { GatewayCaller } from './gateway-caller.ts';
import type { GatewayEnv } from './gateway-env.ts';
import { GatewayHttpError } from './gateway-http-error.ts';

export type AuthOptions = {
  enabled: boolean;
  verify: (presented: string) => GatewayCaller | undefined;
  throttle: { maxFailures: number; windowMs: number };
  now: () => number;
};

const everything: GatewayCaller = { name: 'anonymous', scopes: ['admin', 'client'] };

/**
 * Bearer-token auth (or the same token in `x-api-key`). Returns a middleware factory: `requireScope('admin')` guards a path. An address
 * with too many failures is answered 429 with Retry-After before its token is even looked at, so a
 * valid guess cannot be told from an invalid one while throttled.
 */
export function createAuthMiddleware(
  options: AuthOptions,
): (scope: GatewayScope) => MiddlewareHandler<GatewayEnv> {
  const throttle = new AuthThrottle(options.throttle);
  return (scope) => async (c, next) => {
    if (!options.enabled) {
      c.set('caller', everything);
      return next();
    }
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
    // Bearer, or Anthropic's x-api-key (the Anthropic SDKs and Claude Code send that).
    const header = c.req.header('authorization');
    const presented = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : c.req.header('x-api-key')?.trim();
    const caller = presented ? options.verify(presented) : undefined;
    if (!caller) {
      throttle.recordFailure(address, now);
      throw new GatewayHttpError(
        401,
        'authentication_error',
        'invalid_api_key',
        presented
          ? 'Incorrect API key provided.'
          : "Missing bearer token: send 'Authorization: Bearer <token>' or 'x-api-key: <token>' (see $PYRAMID_HOME/credentials).",
        { headers: { 'www-authenticate': 'Bearer' } },
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
