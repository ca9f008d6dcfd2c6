import { z } from 'zod';
import { durationPattern, tryParseDuration } from './parse-duration.ts';
import { formatDuration } from './schedule-limits.ts';

const durationHint =
  'expected a duration such as "500ms", "10s", "5m", "1h", "30d" or a number of milliseconds';

/**
 * The longest wait a Node timer can hold (2^31 - 1 ms, about 24.8 days). A longer one fires after
 * 1 ms instead, which would make a 30d timeout time out at once; durations that become timers stop here.
 */
export const maxTimerMs = 2_147_483_647;

const tooLong = (max: number) =>
  max === maxTimerMs
    ? `at most ${Math.floor(max / 86_400_000)}d: Node's timers cannot wait longer (a longer wait would end at once)`
    : `at most ${formatDuration(max)}`;
const tooShort = (min: number) => `at least ${formatDuration(min)}`;

/**
 * A duration as written in YAML; resolve it with parseDuration. `max` (ms) defaults to maxTimerMs,
 * `min` to 1 ms (a number of milliseconds that rounds to 0 is refused like "0s"). The one validation of
 * durations: the file, the CLI (its options go through this schema) and the HTTP API share it.
 */
export function durationSchema(description: string, options: { max?: number; min?: number } = {}) {
  const max = options.max ?? maxTimerMs;
  const min = options.min ?? 1;
  const inRange = (ms: number | undefined) => ms !== undefined && ms >= min && ms <= max;
  const rangeError = (value: string | number) => {
    const ms = tryParseDuration(value);
    return ms !== undefined && ms > max ? tooLong(max) : tooShort(min);
  };
  return z
    .union(
      [
        z
          .number()
          .positive({ error: 'a duration must be positive' })
          .refine((value) => inRange(tryParseDuration(value)), {
            error: (issue) => rangeError(issue.input as number),
          }),
        z
          .string()
          .regex(durationPattern, { error: durationHint })
          // Only a string of the right form can still be zero ("0s"); a wrong form has its message above.
          .refine((text) => !durationPattern.test(text) || tryParseDuration(text) !== undefined, {
            error: 'a duration must be positive',
          })
          .refine((text) => !durationPattern.test(text) || inRange(tryParseDuration(text)), {
            error: (issue) => rangeError(issue.input as string),
          }),
      ],
      { error: durationHint },
    )
    .describe(`${description} A duration: "500ms", "10s", "5m", "1h", "30d", or a number of milliseconds.`);
}
