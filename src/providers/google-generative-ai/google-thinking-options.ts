import type { SharedV3ProviderOptions } from '@ai-sdk/provider';
import type { ReasoningLevel } from '../../contracts/model-call.ts';
import type { ModelConfig } from '../../contracts/pyramid-config.ts';

const budgets = { low: 1024, medium: 8192, high: 24576 };
const shares = { low: 0.25, medium: 0.5, high: 0.75 };

/**
 * Gemini's thinkingConfig for a call, on reasoning models only: `off` is a thinking budget of 0;
 * low/medium/high ask for the thoughts back (`includeThoughts`) with a budget of 1k/8k/24k tokens
 * (24k is the 2.5 models' ceiling), but at most a quarter/half/three quarters of maxOutputTokens,
 * which on Gemini counts thinking too (so thinking cannot starve the answer). Budgets rather than
 * `thinkingLevel`, which 2.5 models reject.
 */
export function googleThinkingOptions(
  level: ReasoningLevel | undefined,
  model: ModelConfig,
  maxTokens: number | undefined,
): SharedV3ProviderOptions | undefined {
  if (!level || !model.reasoning) return undefined;
  if (level === 'off') return { google: { thinkingConfig: { thinkingBudget: 0 } } };
  const cap = maxTokens === undefined ? budgets[level] : Math.max(128, Math.floor(maxTokens * shares[level]));
  return {
    google: { thinkingConfig: { thinkingBudget: Math.min(budgets[level], cap), includeThoughts: true } },
  };
}
