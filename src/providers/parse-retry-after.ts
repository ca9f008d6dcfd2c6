/**
 * How long a provider asked us to wait, in ms, from `retry-after-ms` (OpenAI), `Retry-After` (seconds
 * or an HTTP date), or undefined when it sent neither. Header names must be lower-case.
 */
export function parseRetryAfter(
  headers: Record<string, string | undefined>,
  now: number,
): number | undefined {
  const milliseconds = Number.parseFloat(headers['retry-after-ms'] ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return Math.round(milliseconds);
  const value = headers['retry-after']?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number.parseFloat(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
