import { calculateCost } from '../contracts/calculate-cost.ts';
import { UnknownModelError } from '../contracts/errors/unknown-model-error.ts';
import type { PyramidConfig } from '../contracts/pyramid-config.ts';
import type { Usage } from '../contracts/usage.ts';

/** USD for one attempt on a configured model; throws UnknownModelError for a model the config lacks. */
export function attemptCost(config: Pick<PyramidConfig, 'models'>, model: string, usage: Usage): number {
  const entry = config.models[model];
  if (!entry) throw new UnknownModelError(model, Object.keys(config.models));
  return calculateCost(entry.cost, usage);
}
