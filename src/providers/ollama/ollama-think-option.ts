import type { ReasoningLevel } from '../../contracts/model-call.ts';
import type { ModelConfig } from '../../contracts/pyramid-config.ts';

/**
 * Ollama's `think` for a call. Sent only to models configured `reasoning: true`, because Ollama
 * answers 400 ("does not support thinking") when a model without thinking is asked to think. `off`
 * is `false`; other levels are `true`, except for gpt-oss, the one model family that takes a level
 * string and ignores the boolean. No level sends nothing, leaving the model's default.
 */
export function ollamaThinkOption(
  level: ReasoningLevel | undefined,
  model: ModelConfig,
): boolean | 'low' | 'medium' | 'high' | undefined {
  if (!level || !model.reasoning) return undefined;
  if (level === 'off') return false;
  return model.id.startsWith('gpt-oss') ? level : true;
}
