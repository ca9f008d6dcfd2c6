import type { ReasoningLevel } from '../../contracts/model-call.ts';
import type { ModelConfig } from '../../contracts/pyramid-config.ts';

/**
 * `reasoning_effort` for a call. Sent only to models configured `reasoning: true`: OpenAI and
 * several compatible servers reject the field on other models with a 400. `off` becomes `"none"`
 * (the value OpenAI's GPT-5.x and vLLM accept to skip thinking); no level sends nothing, leaving the
 * model's default.
 */
export function openaiReasoningEffort(
  level: ReasoningLevel | undefined,
  model: ModelConfig,
): string | undefined {
  if (!level || !model.reasoning) return undefined;
  return level === 'off' ? 'none' : level;
}
