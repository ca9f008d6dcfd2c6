import { z } from 'zod';
import type { BudgetConfig } from '../../contracts/pyramid-config.ts';
import type { ConfigSection, SectionIssue } from '../config-section.ts';
import { nameSchema, tierNumber } from '../names.ts';
import { asMapping } from '../raw-value.ts';
import { tierRangeIssue } from '../tier-range-issue.ts';

const usd = z.number().min(0, { error: 'a budget cannot be negative' });

const schema = z
  .strictObject({
    daily: usd.optional().describe('USD per UTC day over all callers (default: no cap).'),
    perTag: z
      .record(nameSchema('tag'), usd)
      .default({})
      .describe('USD per UTC day for each caller tag (an agent or gateway token name).'),
    onExceeded: z
      .enum(['refuse', 'cap-tier'], { error: 'expected refuse or cap-tier' })
      .default('refuse')
      .describe('At the cap: refuse every request, or cap-tier to allow only tiers up to capTier.'),
    capTier: tierNumber.default(0).describe('With onExceeded: cap-tier, the highest tier still allowed.'),
  })
  .optional()
  .describe('Spend caps (optional; no caps when absent).');

export const budgetsSection: ConfigSection<typeof schema, BudgetConfig | undefined> = {
  schema,

  check(raw, names) {
    const issue = tierRangeIssue(asMapping(raw)?.capTier, ['capTier'], names, { ceiling: 'tiers' });
    return issue ? [issue] : ([] as SectionIssue[]);
  },

  resolve(budgets) {
    if (budgets === undefined) return undefined;
    return {
      ...(budgets.daily === undefined ? {} : { dailyUsd: budgets.daily }),
      perTag: { ...budgets.perTag },
      onExceeded: budgets.onExceeded,
      capTier: budgets.capTier,
    };
  },
};
