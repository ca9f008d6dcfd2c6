import type { ModelCall } from '../contracts/model-call.ts';
import type { ModelConfig } from '../contracts/pyramid-config.ts';

/**
 * The output token limit for a call: the caller's, else the model's default; on a reasoning model
 * that will think, at least `minOutputTokens`, since thinking eats the budget and a lower limit
 * yields an empty answer.
 */
export function resolveMaxTokens(call: ModelCall, model: ModelConfig): number | undefined {
  const asked = call.maxTokens ?? model.maxTokens;
  const thinking = model.reasoning && call.reasoning !== 'off';
  if (!thinking) return asked;
  return Math.max(asked ?? 0, model.minOutputTokens);
}
