import type { Context, MiddlewareHandler } from 'hono';
import type { GatewayLimits } from '../contracts/pyramid-config.ts';
import { clientClosedRequest } from './client-closed-request.ts';
import type { GatewayEnv } from './gateway-env.ts';
import { GatewayHttpError } from './gateway-http-error.ts';
import { parseBoundedJson } from './parse-bounded-json.ts';
import { BodyTooLargeError, readBodyText, readRequestText } from './read-body-text.ts';

/** `application/json` or `application/<anything>+json`, with or without parameters. */
const jsonType = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

function unsupportedType(type: string | undefined): GatewayHttpError {
  return new GatewayHttpError(
    415,
    'invalid_request_error',
    'unsupported_media_type',
    `The request body must be JSON, sent with 'Content-Type: application/json'${type ? ` (got '${type.slice(0, 60)}')` : ' (the header is missing)'}.`,
  );
}

/**
 * Every request body the gateway reads, on every path, goes through here once, after auth: it must
 * be JSON (415 otherwise: a browser's form or text/plain post is never taken for JSON), at most
 * `maxBytes` (413, judged by Content-Length before a byte is read, and counted as it arrives when
 * chunked, so a large body is refused without being read), valid JSON (400), and within `limits`
 * (400 naming the field), before any route or the router sees it. The value is kept for the route
 * (`jsonBody(c)`, and `c.req.json()` for routes written against plain Hono). Requests without a body
 * pass untouched; GET and HEAD bodies are never read.
 */
export function createJsonBodyMiddleware(options: {
  maxBytes: number;
  limits: Pick<GatewayLimits, 'depth' | 'items' | 'stringLength'>;
}): MiddlewareHandler<GatewayEnv> {
  const { maxBytes, limits } = options;
  const tooLarge = () =>
    new GatewayHttpError(
      413,
      'invalid_request_error',
      'request_too_large',
      `The request body is larger than the gateway's limit of ${maxBytes} bytes (gateway.bodyLimit).`,
    );
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const length = c.req.header('content-length');
    const chunked = c.req.header('transfer-encoding') !== undefined;
    if (!chunked && (length === undefined || length === '0')) return next();
    const type = c.req.header('content-type');
    if (type === undefined || !jsonType.test(type)) throw unsupportedType(type);
    if (!chunked && Number(length) > maxBytes) throw tooLarge();
    const incoming = c.env?.incoming;
    let text: string;
    try {
      text = incoming ? await readBodyText(incoming, maxBytes) : await readRequestText(c.req.raw, maxBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) throw tooLarge();
      throw incoming?.readableAborted || incoming?.destroyed ? clientClosedRequest(error) : error;
    }
    let parsed: ReturnType<typeof parseBoundedJson>;
    try {
      parsed = parseBoundedJson(text, limits);
    } catch (error) {
      throw new GatewayHttpError(
        400,
        'invalid_request_error',
        'invalid_json',
        `We could not parse the JSON body of your request: ${(error as Error).message}`,
      );
    }
    const { value, breach } = parsed;
    if (breach)
      throw new GatewayHttpError(400, 'invalid_request_error', 'limit_exceeded', breach.message, {
        param: breach.param,
      });
    c.set('jsonBody', value);
    // The body has been read: routes that read it through Hono (`c.req.json()`) get this text instead
    // of a spent stream. Hono keeps promises in bodyCache (its own form parsing does), typed as values.
    (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
    return next();
  };
}

/**
 * The request's JSON body, as the middleware parsed and bounded it. A request that sent none is a
 * 415 without a JSON content type and a 400 with one.
 */
export function jsonBody(c: Context<GatewayEnv>): unknown {
  const value = c.get('jsonBody');
  if (value !== undefined) return value;
  const type = c.req.header('content-type');
  if (type === undefined || !jsonType.test(type)) throw unsupportedType(type);
  throw new GatewayHttpError(
    400,
    'invalid_request_error',
    'invalid_json',
    'The request has no body: send a JSON object.',
  );
}
