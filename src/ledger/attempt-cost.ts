import { calculateCost } from '../spec/calculate-cost.ts';
import { UnknownModelError } from '../spec/errors/unknown-model-error.ts';
import type { PyramidConfig } from '../spec/pyramid-config.ts';
import type { Usage } from '../spec/usage.ts';

/** USD for one attempt on a configured model; throws UnknownModelError for a model the config lacks. */
export function attemptCost(config: Pick<PyramidConfig, 'models'>, model: string, usage: Usage): number {
  const entry = config.models[model];
  if (!entry) throw new UnknownModelError(model, Object.keys(config.models));
  return calculateCost(entry.cost, usage);
}
