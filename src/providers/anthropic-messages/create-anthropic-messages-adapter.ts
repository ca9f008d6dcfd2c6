import { createAnthropic } from '@ai-sdk/anthropic';
import type { ModelAdapter } from '../../contracts/model-call.ts';
import type { ModelConfig, ProviderConfig } from '../../contracts/pyramid-config.ts';
import { createLanguageModelAdapter } from '../create-language-model-adapter.ts';
import { resolveMaxTokens } from '../resolve-max-tokens.ts';
import { anthropicProviderOptions } from './anthropic-provider-options.ts';

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
    providerOptions: (call) => anthropicProviderOptions(call, model, resolveMaxTokens(call, model)),
    // output_tokens counts thinking; Anthropic reports no separate thinking count.
    outputIncludesReasoning: true,
    // The Messages API has no seed and no penalties (and rejects fields it does not know).
    expresses: (name) => name !== 'seed' && name !== 'presencePenalty' && name !== 'frequencyPenalty',
  });
}
