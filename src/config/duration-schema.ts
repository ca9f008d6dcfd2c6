import { z } from 'zod';
import { durationPattern, tryParseDuration } from './parse-duration.ts';

const durationHint =
  'expected a duration such as "500ms", "10s", "5m", "1h", "30d" or a number of milliseconds';

/** A duration as written in YAML; resolve it with parseDuration. */
export function durationSchema(description: string) {
  return z
    .union(
      [
        z.number().positive({ error: 'a duration must be positive' }),
        z
          .string()
          .regex(durationPattern, { error: durationHint })
          // Only a string of the right form can still be zero ("0s"); a wrong form has its message above.
          .refine((text) => !durationPattern.test(text) || tryParseDuration(text) !== undefined, {
            error: 'a duration must be positive',
          }),
      ],
      { error: durationHint },
    )
    .describe(`${description} A duration: "500ms", "10s", "5m", "1h", "30d", or a number of milliseconds.`);
}
