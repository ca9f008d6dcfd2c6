import { GatewayHttpError } from './gateway-http-error.ts';

/**
 * What a failure becomes once the client has gone: a 499 that nobody reads, but that the request log
 * records, instead of an internal error (or, for the abort reason @hono/node-server gives, which is
 * a string, a throw that skips Hono's onError and the request log altogether).
 */
export function clientClosedRequest(cause: unknown): GatewayHttpError {
  return new GatewayHttpError(
    499,
    'api_error',
    'client_closed_request',
    'The client closed the connection before the answer was ready.',
    { cause },
  );
}
