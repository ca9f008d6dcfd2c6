import { calculateCost } from '../contracts/calculate-cost.ts';
import type { ModelConfig } from '../contracts/pyramid-config.ts';

/**
 * The most one embedding attempt can cost, for spend-cap reservations: every input at three
 * characters a token (an over-estimate for English) plus a few per input, at the input price.
 */
export function embeddingWorstCaseCost(model: ModelConfig, inputs: string[]): number {
  let input = 0;
  for (const text of inputs) input += Math.ceil(text.length / 3) + 4;
  return calculateCost(model.cost, { input, output: 0, reasoning: 0, cachedInput: 0 });
}
