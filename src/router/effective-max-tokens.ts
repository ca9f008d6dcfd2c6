import type { ReasoningLevel } from '../contracts/model-call.ts';
import type { ModelConfig } from '../contracts/pyramid-config.ts';

/**
 * The token-budget guard. A reasoning model spends tokens thinking before it writes the answer; under
 * about 500 it returns nothing visible (the seed lost days to this with qwen3:14b). So its max tokens
 * are raised to `minOutputTokens`, and the raise is reported for the trace. With reasoning `off` the
 * model does not think, so the asked budget stands.
 */
export function effectiveMaxTokens(
  model: ModelConfig,
  requested: number | undefined,
  reasoning: ReasoningLevel | undefined,
): { maxTokens: number | undefined; note?: string } {
  const asked = requested ?? model.maxTokens;
  if (!model.reasoning || reasoning === 'off') return { maxTokens: asked };
  if (asked === undefined) return { maxTokens: model.minOutputTokens };
  if (asked >= model.minOutputTokens) return { maxTokens: asked };
  return {
    maxTokens: model.minOutputTokens,
    note: `${model.name}: max tokens raised from ${asked} to ${model.minOutputTokens} (reasoning model floor, minOutputTokens)`,
  };
}
