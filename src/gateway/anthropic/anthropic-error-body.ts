import type { GatewayHttpError } from '../gateway-http-error.ts';

const types: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

/** Anthropic's error `type` for an HTTP status (`api_error` for the rest). */
export function anthropicErrorType(status: number): string {
  return types[status] ?? 'api_error';
}

/**
 * An error in Anthropic's shape, `{ type: 'error', error: { type, message }, request_id }`, which the
 * Anthropic SDKs turn into their typed errors. Pyramid's own `code` (and the attempts of a request that
 * failed everywhere) ride along inside `error`, where those SDKs ignore them.
 */
export function anthropicErrorBody(error: GatewayHttpError, requestId?: string | null) {
  return {
    type: 'error',
    error: {
      type: anthropicErrorType(error.status),
      message: error.message,
      code: error.code,
      ...error.details,
    },
    ...(requestId ? { request_id: requestId } : {}),
  };
}
