import type { ModelCost } from './pyramid-config.ts';
import type { Usage } from './usage.ts';

/** USD for one call: uncached input at `input`, cached input at `cacheRead`, reasoning billed as output. */
export function calculateCost(cost: ModelCost, usage: Usage): number {
  const uncached = Math.max(0, usage.input - usage.cachedInput);
  const perMillion =
    uncached * cost.input +
    usage.cachedInput * cost.cacheRead +
    (usage.output + usage.reasoning) * cost.output;
  return perMillion / 1_000_000;
}
