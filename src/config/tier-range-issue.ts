import type { ConfigNames, SectionIssue } from './config-section.ts';
import { isTierNumber } from './raw-value.ts';

/**
 * An issue when a raw tier number is past the last tier or above router.maxTier; nothing for
 * values that are not tier numbers (the schema reports those).
 */
export function tierRangeIssue(
  value: unknown,
  path: (string | number)[],
  names: ConfigNames,
  options: { ceiling: 'tiers' | 'maxTier' },
): SectionIssue | undefined {
  if (!isTierNumber(value) || names.tierCount === 0) return undefined;
  if (value >= names.tierCount) {
    const last = names.tierCount - 1;
    return { path, message: `tier ${value} does not exist: tiers go from 0 to ${last}` };
  }
  if (options.ceiling === 'maxTier' && value > names.maxTier) {
    return { path, message: `tier ${value} is above router.maxTier (${names.maxTier})` };
  }
  return undefined;
}
