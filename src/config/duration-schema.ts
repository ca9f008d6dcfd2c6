import { z } from 'zod';
import { durationPattern, tryParseDuration } from './parse-duration.ts';

const durationHint =
  'expected a duration such as "500ms", "10s", "5m", "1h", "30d" or a number of milliseconds';

/**
 * The longest wait a Node timer can hold (2^31 - 1 ms, about 24.8 days). A longer one fires after
 * 1 ms instead, which would make a 30d timeout time out at once; durations that become timers stop here.
 */
export const maxTimerMs = 2_147_483_647;

const tooLong = (max: number) =>
  `at most ${Math.floor(max / 86_400_000)}d: Node's timers cannot wait longer (a longer wait would end at once)`;

/** A duration as written in YAML; resolve it with parseDuration. `max` (ms) defaults to maxTimerMs. */
export function durationSchema(description: string, options: { max?: number } = {}) {
  const max = options.max ?? maxTimerMs;
  return z
    .union(
      [
        z
          .number()
          .positive({ error: 'a duration must be positive' })
          .max(max, { error: tooLong(max) }),
        z
          .string()
          .regex(durationPattern, { error: durationHint })
          // Only a string of the right form can still be zero ("0s"); a wrong form has its message above.
          .refine((text) => !durationPattern.test(text) || tryParseDuration(text) !== undefined, {
            error: 'a duration must be positive',
          })
          .refine((text) => (tryParseDuration(text) ?? 0) <= max, { error: tooLong(max) }),
      ],
      { error: durationHint },
    )
    .describe(`${description} A duration: "500ms", "10s", "5m", "1h", "30d", or a number of milliseconds.`);
}
