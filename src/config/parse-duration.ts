const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Matches the string form of a duration: a positive number followed by ms, s, m, h or d. */
export const durationPattern = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * A duration in milliseconds from `"500ms"`, `"10s"`, `"5m"`, `"1h"`, `"30d"` or a number of milliseconds.
 * Throws a RangeError for anything else, zero or negative.
 */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    // A number of milliseconds that rounds to 0 (0.4) is as empty as "0s".
    if (!Number.isFinite(value) || Math.round(value) <= 0)
      throw new RangeError(`duration must be positive, got ${value}`);
    return Math.round(value);
  }
  const match = durationPattern.exec(value.trim());
  if (!match) {
    throw new RangeError(
      `invalid duration "${value}": use a number with ms, s, m, h or d ("500ms", "10s", "5m", "30d")`,
    );
  }
  const milliseconds = Math.round(Number(match[1]) * unitMs[match[2]]);
  if (milliseconds <= 0) throw new RangeError(`duration must be positive, got "${value}"`);
  return milliseconds;
}

/** parseDuration, or undefined for an invalid duration (for checks that run beside the schema's own). */
export function tryParseDuration(value: string | number): number | undefined {
  try {
    return parseDuration(value);
  } catch {
    return undefined;
  }
}
