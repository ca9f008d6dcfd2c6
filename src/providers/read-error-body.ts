/** The fields of a provider's error body that classification looks at, whatever the protocol. */
export type ErrorDetails = {
  message: string;
  /** Machine-readable codes and types, lower-cased: OpenAI `code`/`type`, Anthropic `error.type`, Google `status` and `details[].reason`. */
  codes: string[];
  /** Google's RetryInfo `retryDelay` ("30s"), in ms. */
  retryDelayMs?: number;
};

/**
 * Reads an error body in any of the four protocols' shapes: OpenAI `{error:{message,type,code}}`,
 * Anthropic `{type:'error',error:{type,message}}`, Google `{error:{code,message,status,details}}`,
 * Ollama `{error:'text'}`. A body that is not JSON becomes the message as is.
 */
export function readErrorBody(body: unknown): ErrorDetails {
  const parsed = typeof body === 'string' ? parseJson(body) : body;
  if (!isRecord(parsed)) return { message: typeof body === 'string' ? body.trim() : '', codes: [] };
  const error = parsed.error;
  if (typeof error === 'string') return { message: error, codes: [] };
  const source = isRecord(error) ? error : parsed;
  const codes: string[] = [];
  for (const key of ['code', 'type', 'status']) {
    const value = source[key];
    if (typeof value === 'string' && value) codes.push(value.toLowerCase());
  }
  let retryDelayMs: number | undefined;
  if (Array.isArray(source.details)) {
    for (const detail of source.details) {
      if (!isRecord(detail)) continue;
      if (typeof detail.reason === 'string') codes.push(detail.reason.toLowerCase());
      if (typeof detail.retryDelay === 'string') {
        const seconds = Number.parseFloat(detail.retryDelay);
        if (Number.isFinite(seconds)) retryDelayMs = Math.round(seconds * 1000);
      }
    }
  }
  const message = typeof source.message === 'string' ? source.message : JSON.stringify(parsed);
  return { message, codes, retryDelayMs };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
