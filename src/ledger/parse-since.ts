import { PyramidError } from '../contracts/errors/pyramid-error.ts';

const unitMs: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const duration = /^(\d+(?:\.\d+)?)([smhdw])$/;
const isoDate = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A `since` value as ms since the epoch: a duration back from `now` (`90s`, `30m`, `24h`, `7d`, `2w`;
 * `m` is minutes), `today` (UTC midnight), or an ISO date or date-time (UTC unless it names an offset).
 * Throws PyramidError `invalid_since` otherwise.
 */
export function parseSince(text: string, now: number): number {
  const value = text.trim();
  const relative = duration.exec(value);
  if (relative) return now - Number(relative[1]) * unitMs[relative[2]];
  if (value === 'today') return now - (((now % 86_400_000) + 86_400_000) % 86_400_000);
  const iso = isoDate.exec(value);
  if (iso && isRealDate(Number(iso[1]), Number(iso[2]), Number(iso[3]))) {
    const hasTime = value.includes('T');
    const ms = Date.parse(hasTime && iso[4] === undefined ? `${value}Z` : value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new PyramidError(
    'invalid_since',
    `invalid since "${text}": use a duration (30m, 24h, 7d), "today", or an ISO date (2025-01-31, 2025-01-31T12:00Z)`,
  );
}

// Date.parse rolls 2025-02-30 over to March 2; a typo should be an error instead.
function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
