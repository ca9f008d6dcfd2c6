import { z } from 'zod';
import type { FailoverPolicy } from '../contracts/pyramid-config.ts';
import { durationSchema } from './duration-schema.ts';
import { parseDuration } from './parse-duration.ts';

/** "0", "0s", "0ms" and 0: no wait at all (a duration elsewhere must be positive). */
const zeroPattern = /^0+(ms|s|m|h|d)?$/;

const maxWaitSchema = z
  .union([
    z.literal(0),
    z.string().regex(zeroPattern),
    durationSchema('How long a request may wait, in all, for a rate-limited or briefly failing model.', {
      max: 3_600_000,
    }),
  ])
  .describe(
    'How long one request may wait, in all, for a rate-limited or briefly failing model (its Retry-After, its breaker cool-down) before a provider failure moves it up a tier; 0s: never wait. At most 1h.',
  );

/** A failover policy as written: `{ maxWait, maxClimb, maxPrice }`, each optional. */
export const failoverSchema = z
  .strictObject({
    maxWait: maxWaitSchema.optional(),
    maxClimb: z
      .number()
      .int({ error: 'expected a whole number of tiers' })
      .min(0)
      .optional()
      .describe(
        'How many tiers a provider failure (not an inadequate answer) may push a request above the tier it is at; 0: never climb. Default: no cap.',
      ),
    maxPrice: z
      .number()
      .min(0)
      .optional()
      .describe(
        'The highest output price (USD per million tokens, the model cost.output) a provider failure may push a request to. Default: no cap.',
      ),
  })
  .describe('How far a provider failure may move a request: { maxWait, maxClimb, maxPrice }.');

export type FailoverInput = z.output<typeof failoverSchema>;

/** The resolved policy, with only the fields written. */
export function resolveFailoverInput(input: FailoverInput | undefined): FailoverPolicy | undefined {
  if (!input) return undefined;
  const policy: FailoverPolicy = {};
  if (input.maxWait !== undefined)
    policy.maxWaitMs =
      input.maxWait === 0 || (typeof input.maxWait === 'string' && zeroPattern.test(input.maxWait))
        ? 0
        : parseDuration(input.maxWait);
  if (input.maxClimb !== undefined) policy.maxClimb = input.maxClimb;
  if (input.maxPrice !== undefined) policy.maxPrice = input.maxPrice;
  return policy;
}
