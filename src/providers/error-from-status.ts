import {
  AuthError,
  BadRequestError,
  ContentFilteredError,
  ContextTooLongError,
  ModelNotFoundError,
  type ProviderError,
  type ProviderErrorOptions,
  RateLimitedError,
  ServerError,
} from '../contracts/errors/index.ts';
import { parseRetryAfter } from './parse-retry-after.ts';
import type { ErrorDetails } from './read-error-body.ts';

const contextCodes = ['context_length_exceeded', 'string_above_max_length', 'request_too_large'];
const modelNotFoundCodes = ['model_not_found', 'not_found_error', 'not_found'];
const authCodes = [
  'invalid_api_key',
  'authentication_error',
  'permission_error',
  'api_key_invalid',
  'permission_denied',
  'unauthenticated',
];
const contentCodes = ['content_filter', 'content_policy_violation'];
// Used only when the provider gave no code that decides: Anthropic reports every context overflow
// as a plain `invalid_request_error`, and Ollama and many OpenAI-compatible servers send no code.
const contextMessage =
  /context.{0,3}(length|window)|too many tokens|prompt is too long|maximum context|input token count.*exceeds|exceeds? the (max|maximum)/i;
const modelNotFoundMessage = /model\b.*\b(not found|does not exist)/i;

/** Classifies an HTTP error answer by status first, then by the provider's error code, then its message. */
export function errorFromStatus(options: {
  status: number;
  details: ErrorDetails;
  headers: Record<string, string | undefined>;
  message: string;
  errorOptions: ProviderErrorOptions;
  now: number;
}): ProviderError {
  const { status, details, message } = options;
  const errorOptions = { ...options.errorOptions, statusCode: status };
  const has = (codes: string[]) => details.codes.some((code) => codes.includes(code));
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(options.headers, options.now) ?? details.retryDelayMs;
    return new RateLimitedError(message, { ...errorOptions, retryAfterMs });
  }
  if (status === 401 || status === 403 || has(authCodes)) return new AuthError(message, errorOptions);
  if (status === 408 || status === 409 || status >= 500) return new ServerError(message, errorOptions);
  if (has(contextCodes) || status === 413) return new ContextTooLongError(message, errorOptions);
  if (has(contentCodes)) return new ContentFilteredError(message, errorOptions);
  if (status === 404 || has(modelNotFoundCodes)) return new ModelNotFoundError(message, errorOptions);
  if (contextMessage.test(details.message)) return new ContextTooLongError(message, errorOptions);
  if (modelNotFoundMessage.test(details.message)) return new ModelNotFoundError(message, errorOptions);
  return new BadRequestError(message, errorOptions);
}
