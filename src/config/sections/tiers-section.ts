import { z } from 'zod';
import { didYouMean } from '../closest-name.ts';
import type { ConfigSection, SectionIssue } from '../config-section.ts';

const schema = z
  .array(
    z
      .array(z.string().min(1))
      .min(1, { error: 'a tier needs at least one model' })
      .describe('The models of one tier, in failover order.'),
    {
      error: (issue) =>
        `${issue.input === undefined ? 'is required: ' : ''}expected a list of tiers, each a list of model names`,
    },
  )
  .min(1, { error: 'at least one tier is required' })
  .describe(
    'The pyramid: position = tier number (0 = first tried); each tier lists model names in failover order.',
  );

export const tiersSection: ConfigSection<typeof schema, string[][]> = {
  schema,

  check(raw, names) {
    const issues: SectionIssue[] = [];
    if (!Array.isArray(raw)) return issues;
    const tierOf = new Map<string, number>();
    raw.forEach((tier, tierIndex) => {
      if (!Array.isArray(tier)) return;
      tier.forEach((model, position) => {
        if (typeof model !== 'string' || model === '') return;
        if (!names.models.has(model)) {
          issues.push({
            path: [tierIndex, position],
            message: `unknown model "${model}"${didYouMean(model, names.models)}: define it under models`,
          });
        }
        const earlier = tierOf.get(model);
        if (earlier !== undefined) {
          issues.push({
            path: [tierIndex, position],
            message:
              earlier === tierIndex
                ? `model "${model}" is listed twice in tier ${tierIndex}`
                : `model "${model}" is already in tier ${earlier}; a model belongs to at most one tier`,
          });
        } else {
          tierOf.set(model, tierIndex);
        }
      });
    });
    return issues;
  },

  resolve(tiers) {
    return tiers.map((tier) => [...tier]);
  },
};
