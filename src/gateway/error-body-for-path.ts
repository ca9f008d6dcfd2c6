import { anthropicErrorBody } from './anthropic/anthropic-error-body.ts';
import type { GatewayHttpError } from './gateway-http-error.ts';

/**
 * The error body in the protocol the path speaks: Anthropic's shape under `/v1/messages`, OpenAI's
 * everywhere else (chat completions, Responses, embeddings, models, and Pyramid's own API).
 */
export function errorBodyForPath(path: string, error: GatewayHttpError, requestId?: string | null): unknown {
  return path.startsWith('/v1/messages') ? anthropicErrorBody(error, requestId) : error.body();
}
