import { createAnthropic } from '@ai-sdk/anthropic';
import type { ModelAdapter } from '../../contracts/model-call.ts';
import type { ModelConfig, ProviderConfig } from '../../contracts/pyramid-config.ts';
import { createLanguageModelAdapter } from '../create-language-model-adapter.ts';
import { resolveMaxTokens } from '../resolve-max-tokens.ts';
import { anthropicThinkingOptions } from './anthropic-thinking-options.ts';

/** An adapter for Anthropic's Messages API (`POST {baseUrl}/messages`, key in `x-api-key`). */
export function createAnthropicMessagesAdapter(options: {
  provider: ProviderConfig;
  model: ModelConfig;
  fetch: typeof globalThis.fetch;
  now: () => number;
}): ModelAdapter {
  const { provider, model } = options;
  return createLanguageModelAdapter({
    ...options,
    createLanguageModel: (fetch) =>
      createAnthropic({
        baseURL: provider.baseUrl,
        apiKey: provider.apiKey,
        headers: provider.headers,
        fetch,
      })(model.id),
    providerOptions: (call) => anthropicThinkingOptions(call.reasoning, model, resolveMaxTokens(call, model)),
    // output_tokens counts thinking; Anthropic reports no separate thinking count.
    outputIncludesReasoning: true,
  });
}
