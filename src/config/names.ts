import { z } from 'zod';

/** Names of providers, models and tasks: used in tiers, traces and URLs, so no spaces or slashes. */
export const namePattern = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;

/** A key naming a provider, model, task or tag. */
export function nameSchema(kind: string) {
  return z.string().regex(namePattern, {
    error: `a ${kind} name must start with a letter or digit and contain only letters, digits and . _ : @ -`,
  });
}

/** A whole number >= 1 (token counts, thresholds). */
export const positiveInteger = z.number().int({ error: 'expected a whole number' }).min(1);

/** A tier number: a whole number >= 0 (position in `tiers`). */
export const tierNumber = z.number().int({ error: 'expected a whole tier number' }).min(0);
