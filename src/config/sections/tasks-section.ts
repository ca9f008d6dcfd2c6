import { z } from 'zod';
import type { TaskConfig } from '../../contracts/pyramid-config.ts';
import type { ConfigSection, SectionIssue } from '../config-section.ts';
import { failoverSchema, resolveFailoverInput } from '../failover-schema.ts';
import { nameSchema, tierNumber } from '../names.ts';
import { asMapping, isTierNumber, mappingEntries } from '../raw-value.ts';
import { tierRangeIssue } from '../tier-range-issue.ts';

export const reasoningLevels = ['off', 'low', 'medium', 'high'] as const;

const longForm = z
  .strictObject({
    tier: tierNumber.describe('The minimum tier: the first tier tried for this task.'),
    reasoning: z
      .enum(reasoningLevels, { error: `expected one of ${reasoningLevels.join(', ')}` })
      .optional()
      .describe('How hard reasoning models may think for this task (off, low, medium, high).'),
    maxTier: tierNumber
      .optional()
      .describe('The highest tier this task may escalate to (default: router.maxTier).'),
    failover: failoverSchema
      .optional()
      .describe("Overrides of router.failover for this task's requests (every caller kind)."),
  })
  .describe('A task with options.');

const taskSchema = z
  .union([tierNumber.describe('The minimum tier for this task.'), longForm], {
    error: 'expected a tier number or a mapping such as { tier: 1, reasoning: low, maxTier: 2 }',
  })
  .describe('A tier number (short form) or { tier, reasoning, maxTier, failover } (long form).');

const schema = z
  .record(nameSchema('task'), taskSchema)
  .default({})
  .describe(
    'Task type -> minimum tier. Requests name a task; "default" (tier 0 unless set) serves the rest.',
  );

export const tasksSection: ConfigSection<typeof schema, Record<string, TaskConfig>> = {
  schema,

  check(raw, names) {
    const issues: SectionIssue[] = [];
    for (const [name, task] of mappingEntries(raw)) {
      const long = asMapping(task);
      const tier = long ? long.tier : task;
      const tierIssue = tierRangeIssue(tier, long ? [name, 'tier'] : [name], names, { ceiling: 'maxTier' });
      if (tierIssue) issues.push(tierIssue);
      if (!long) continue;
      const maxTierIssue = tierRangeIssue(long.maxTier, [name, 'maxTier'], names, { ceiling: 'maxTier' });
      if (maxTierIssue) issues.push(maxTierIssue);
      else if (isTierNumber(long.maxTier) && isTierNumber(tier) && long.maxTier < tier) {
        issues.push({ path: [name, 'maxTier'], message: `is below the task's tier (${tier})` });
      }
    }
    return issues;
  },

  resolve(tasks) {
    const resolved: Record<string, TaskConfig> = { default: { name: 'default', tier: 0 } };
    for (const [name, task] of Object.entries(tasks)) {
      if (typeof task === 'number') {
        resolved[name] = { name, tier: task };
        continue;
      }
      resolved[name] = {
        name,
        tier: task.tier,
        ...(task.reasoning === undefined ? {} : { reasoning: task.reasoning }),
        ...(task.maxTier === undefined ? {} : { maxTier: task.maxTier }),
        ...(task.failover === undefined ? {} : { failover: resolveFailoverInput(task.failover) }),
      };
    }
    return resolved;
  },
};
