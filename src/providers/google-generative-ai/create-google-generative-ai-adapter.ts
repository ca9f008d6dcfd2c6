import { createGoogleGenerativeAI } from '@ai-sdk/google';
import type { ModelAdapter } from '../../contracts/model-call.ts';
import type { ModelConfig, ProviderConfig } from '../../contracts/pyramid-config.ts';
import { createLanguageModelAdapter } from '../create-language-model-adapter.ts';
import { resolveMaxTokens } from '../resolve-max-tokens.ts';
import { googleThinkingOptions } from './google-thinking-options.ts';

const gemini25 = /(^|\/)gemini-2\.5(?:[.-]|$)/i;

/** An adapter for the Gemini API (`{baseUrl}/models/{id}:generateContent`, key in `x-goog-api-key`). */
export function createGoogleGenerativeAiAdapter(options: {
  provider: ProviderConfig;
  model: ModelConfig;
  fetch: typeof globalThis.fetch;
  now: () => number;
}): ModelAdapter {
  const { provider, model } = options;
  return createLanguageModelAdapter({
    ...options,
    createLanguageModel: (fetch) =>
      createGoogleGenerativeAI({
        baseURL: provider.baseUrl,
        apiKey: provider.apiKey,
        headers: provider.headers,
        fetch,
      })(model.id),
    providerOptions: (call) => googleThinkingOptions(call.reasoning, model, resolveMaxTokens(call, model)),
    // candidatesTokenCount excludes thoughts, which come separately as thoughtsTokenCount.
    outputIncludesReasoning: false,
    // Gemini 2.5 refuses function calling with responseMimeType application/json.
    formatWithTools: false,
    // Gemini has no end-user id and no switch for parallel calls; the 2.5 models on the Gemini API
    // reject the penalties, so the AI SDK leaves them out for those.
    expresses: (name) =>
      name !== 'user' &&
      name !== 'parallelToolCalls' &&
      !((name === 'presencePenalty' || name === 'frequencyPenalty') && gemini25.test(model.id)),
  });
}
