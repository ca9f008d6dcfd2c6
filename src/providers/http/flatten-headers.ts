import type { IncomingHttpHeaders } from 'node:http';

/** Response headers as a plain lower-case record, from a fetch Headers or node:http's headers. */
export function flattenHeaders(headers: Headers | IncomingHttpHeaders | undefined): Record<string, string> {
  if (headers === undefined) return {};
  if (headers instanceof Headers) {
    return Object.fromEntries([...headers].map(([key, value]) => [key.toLowerCase(), value]));
  }
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) result[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return result;
}
