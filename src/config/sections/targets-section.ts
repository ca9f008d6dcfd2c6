import { z } from 'zod';
import type { TierTarget } from '../../contracts/pyramid-config.ts';
import type { ConfigSection, SectionIssue } from '../config-section.ts';

/** The seed's bands: tier 0 60-70%, tier 1 15-20%, tier 2 10-15%, tier 3 about 5% (at most 5). */
export const defaultTargets: TierTarget[] = [
  { min: 60, max: 70 },
  { min: 15, max: 20 },
  { min: 10, max: 15 },
  { min: 0, max: 5 },
];

const percent = z.number().min(0).max(100);
const schema = z
  .array(
    z
      .strictObject({
        min: percent.describe('The lowest share of requests this tier should answer, in percent.'),
        max: percent.describe('The highest share, in percent.'),
      })
      .describe("One tier's target band."),
  )
  .default(defaultTargets)
  .describe(
    'The share of requests each tier should answer (position = tier), shown against the real shares on the dashboard.',
  );

export const targetsSection: ConfigSection<typeof schema, TierTarget[]> = {
  schema,
  check(raw) {
    const issues: SectionIssue[] = [];
    if (!Array.isArray(raw)) return issues;
    for (const [index, band] of raw.entries()) {
      const { min, max } = (band ?? {}) as { min?: unknown; max?: unknown };
      if (typeof min === 'number' && typeof max === 'number' && min > max)
        issues.push({ path: [index, 'min'], message: `min (${min}) is above max (${max})` });
    }
    return issues;
  },
  resolve: (targets) => targets.map((band) => ({ min: band.min, max: band.max })),
};
