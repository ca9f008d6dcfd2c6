import { calculateCost } from '../contracts/calculate-cost.ts';
import { type ChatMessage, imageTokenEstimate, messageImages, messageText } from '../contracts/message.ts';
import type { ModelConfig } from '../contracts/pyramid-config.ts';

/** Output tokens assumed when neither the caller nor the model config sets a limit. */
const DEFAULT_WORST_CASE_OUTPUT = 8192;

/**
 * The most one attempt can cost, for spend-cap reservations: the prompt at three characters a token
 * (an over-estimate for English), `imageTokenEstimate` per image, and every output token the call may use.
 */
export function worstCaseCost(
  model: ModelConfig,
  messages: ChatMessage[],
  maxTokens: number | undefined,
): number {
  let characters = 0;
  for (const message of messages) characters += messageText(message).length + 16;
  const input = Math.ceil(characters / 3) + messageImages(messages).length * imageTokenEstimate;
  const output = maxTokens ?? model.maxTokens ?? DEFAULT_WORST_CASE_OUTPUT;
  return calculateCost(model.cost, { input, output, reasoning: 0, cachedInput: 0 });
}
