import { APICallError } from '@ai-sdk/provider';
import {
  InternalError,
  MalformedResponseError,
  ProviderError,
  type ProviderErrorOptions,
  RateLimitedError,
  ServerError,
  UnreachableError,
} from '../contracts/errors/index.ts';
import type { CallGuard } from './call-guard.ts';
import { errorFromStatus } from './error-from-status.ts';
import { readErrorBody } from './read-error-body.ts';
import { scrubSecrets } from './scrub-secrets.ts';

/** Who was called, for error messages, and what must never appear in them. */
export type ErrorContext = {
  provider: string;
  model: string;
  /** Never to appear in a message: the key and header values (see providerSecrets). */
  secrets: readonly string[];
  now: () => number;
};

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/**
 * Turns whatever a library threw into one of the spec's error classes. A caller abort returns the
 * caller's reason untouched (it is not a provider failure); a timeout returns the guard's
 * TimeoutError, whatever the library made of the abort. Classifies on status codes, provider error
 * codes and system error codes; message text only where a protocol has nothing better.
 */
export function classifyProviderError(error: unknown, context: ErrorContext, guard?: CallGuard): unknown {
  const stopReason = guard?.stopReason();
  if (stopReason !== undefined) return stopReason;
  if (error instanceof ProviderError) return error;
  const errorOptions: ProviderErrorOptions = { provider: context.provider, model: context.model };
  const say = (text: string) =>
    scrubSecrets(`${context.provider}/${context.model}: ${text}`.slice(0, 500), context.secrets);
  if (guard && !guard.requestSent) {
    // Thrown while building the request (a stack overflow on a deeply nested body, a bug in the
    // translation): nothing reached the provider, so it is Pyramid's failure, never the provider's.
    const message = error instanceof Error ? error.message : String(error);
    return new InternalError(
      say(`Pyramid could not build the request, so the provider was not called: ${message}`),
      { cause: error },
    );
  }

  const status = statusOf(error);
  if (status !== undefined && status >= 400) {
    const body = APICallError.isInstance(error) ? (error.data ?? error.responseBody) : undefined;
    const details = readErrorBody(body ?? (error as Error).message);
    const headers =
      (APICallError.isInstance(error) ? error.responseHeaders : undefined) ?? guard?.responseHeaders ?? {};
    // No `cause` here: the raw error carries the response body, which may echo the key.
    return errorFromStatus({
      status,
      details,
      headers,
      message: say(`HTTP ${status}: ${details.message}`),
      errorOptions,
      now: context.now(),
    });
  }
  if (causeMessages(error).includes('bad port')) {
    return new UnreachableError(
      say(
        'cannot connect: fetch refuses this port (a "bad port" in the Fetch standard, such as 6000 or 6665-6669); serve the provider on another port',
      ),
      { ...errorOptions, cause: error },
    );
  }
  const networkCode = findNetworkCode(error);
  if (networkCode !== undefined) {
    // After the headers, a dropped connection means the answer was cut short, not that the host is down.
    if (guard?.headersReceived) {
      return new MalformedResponseError(say(`the response was cut off (${networkCode})`), {
        ...errorOptions,
        cause: error,
      });
    }
    return new UnreachableError(say(`cannot connect (${networkCode})`), { ...errorOptions, cause: error });
  }
  const streamError = inStreamError(error);
  if (streamError) return streamError(say, errorOptions);
  const message = error instanceof Error ? error.message : String(error);
  // Bad JSON, a body that fails the protocol schema, a stream without its end: all malformed.
  return new MalformedResponseError(say(`unexpected response: ${message}`), {
    ...errorOptions,
    cause: error,
  });
}

function statusOf(error: unknown): number | undefined {
  if (APICallError.isInstance(error)) return error.statusCode;
  // The `ollama` package's ResponseError.
  if (error instanceof Error && error.name === 'ResponseError') {
    const status = (error as Error & { status_code?: unknown }).status_code;
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}

/** The messages along an error's cause chain (undici puts the reason for "fetch failed" in its cause). */
function causeMessages(error: unknown): string[] {
  const messages: string[] = [];
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    messages.push(current.message);
  }
  return messages;
}

/** The system error code of a connection failure anywhere in the cause chain, or 'fetch failed'. */
function findNetworkCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const code = (current as Error & { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (networkCodes.has(code) || /^(ERR_TLS|CERT_|ERR_SSL|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code))
    ) {
      return code;
    }
    // undici's way of saying the body stream broke off mid-way.
    if (
      current instanceof TypeError &&
      (current.message === 'terminated' || current.message === 'fetch failed')
    ) {
      if (!(current.cause instanceof Error)) return current.message;
    }
    current = current.cause;
  }
  return undefined;
}

/**
 * An error event inside a stream that has already started (Anthropic `event: error`, an OpenAI chunk
 * `{error:{...}}`): the library hands us the parsed error object, not an Error.
 */
function inStreamError(
  error: unknown,
): ((say: (text: string) => string, options: ProviderErrorOptions) => ProviderError) | undefined {
  if (error instanceof Error || typeof error !== 'object' || error === null) return undefined;
  const details = readErrorBody(error);
  if (details.codes.length === 0 && !details.message) return undefined;
  return (say, options) => {
    const message = say(`error during the stream: ${details.message}`);
    if (details.codes.some((code) => code.includes('rate_limit')))
      return new RateLimitedError(message, options);
    return new ServerError(message, options);
  };
}
