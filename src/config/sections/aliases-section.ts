import { z } from 'zod';
import type { ConfigSection, SectionIssue } from '../config-section.ts';
import { asMapping } from '../raw-value.ts';

const schema = z
  .record(
    z.string().min(1),
    z.string().min(1).describe('auto, task:<type>, tier:<n> or a configured model name.'),
  )
  .optional()
  .describe(
    'Model names that tools are hard-wired to (gpt-4o, claude-sonnet-4-5, wildcards such as claude-*) mapped to what the model field takes: auto, task:<type>, tier:<n> or a configured model. The exact name wins over a wildcard; the longer wildcard over the shorter.',
  );

const reserved = /^(auto|task:.*|tier:\d+)$/;

export const aliasesSection: ConfigSection<typeof schema, Record<string, string> | undefined> = {
  schema,

  check(raw, names) {
    const issues: SectionIssue[] = [];
    for (const [alias, target] of Object.entries(asMapping(raw) ?? {})) {
      if (reserved.test(alias) || names.models.has(alias))
        issues.push({
          path: [alias],
          message: `"${alias}" is already a model name the gateway takes; an alias cannot replace it`,
        });
      if (typeof target !== 'string') continue;
      const task = /^task:(.+)$/.exec(target)?.[1];
      const tier = /^tier:(\d+)$/.exec(target)?.[1];
      const valid =
        target === 'auto' ||
        (task !== undefined && (task === 'default' || names.tasks?.has(task) === true)) ||
        (tier !== undefined && Number(tier) < names.tierCount) ||
        names.models.has(target);
      if (!valid)
        issues.push({
          path: [alias],
          message: `"${target}" is not auto, a task:<type> of tasks, a tier:<n> of tiers, or a model under models`,
        });
    }
    return issues;
  },

  resolve(aliases) {
    return aliases && Object.keys(aliases).length > 0 ? { ...aliases } : undefined;
  },
};
