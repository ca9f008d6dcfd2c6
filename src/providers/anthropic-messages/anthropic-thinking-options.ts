import type { SharedV3ProviderOptions } from '@ai-sdk/provider';
import type { ReasoningLevel } from '../../contracts/model-call.ts';
import type { ModelConfig } from '../../contracts/pyramid-config.ts';

const budgetShare = { low: 0.25, medium: 0.5, high: 1 };

/**
 * Extended thinking for a call: on reasoning models, low/medium/high enable thinking with a budget of
 * a quarter, a half or all of the answer's max tokens (the AI SDK adds the budget on top of
 * max_tokens), never below Anthropic's minimum of 1024. `off` or no level sends nothing: thinking is
 * off unless asked for.
 */
export function anthropicThinkingOptions(
  level: ReasoningLevel | undefined,
  model: ModelConfig,
  maxTokens: number | undefined,
): SharedV3ProviderOptions | undefined {
  if (!level || level === 'off' || !model.reasoning) return undefined;
  const budgetTokens = Math.max(1024, Math.round((maxTokens ?? 4096) * budgetShare[level]));
  return { anthropic: { thinking: { type: 'enabled', budgetTokens } } };
}
