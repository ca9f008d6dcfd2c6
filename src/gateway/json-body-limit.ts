import type { MiddlewareHandler } from 'hono';
import { createBodyLimit } from './create-body-limit.ts';
import type { GatewayEnv } from './gateway-env.ts';
import { GatewayHttpError } from './gateway-http-error.ts';

/** The body limit of every client protocol's POST: 413 over `gateway.bodyLimit`. */
export function jsonBodyLimit(limit: number): MiddlewareHandler<GatewayEnv> {
  return createBodyLimit({
    maxSize: limit,
    onError: () => {
      throw new GatewayHttpError(
        413,
        'invalid_request_error',
        'request_too_large',
        `The request body is larger than the gateway's limit of ${limit} bytes (gateway.bodyLimit).`,
      );
    },
  });
}
