import type { ModelAdapter } from '../contracts/model-call.ts';
import type { ModelConfig, ProviderConfig } from '../contracts/pyramid-config.ts';
import { createAnthropicMessagesAdapter } from './anthropic-messages/create-anthropic-messages-adapter.ts';
import { createGoogleGenerativeAiAdapter } from './google-generative-ai/create-google-generative-ai-adapter.ts';
import { createOllamaAdapter } from './ollama/create-ollama-adapter.ts';
import { createOpenaiCompletionsAdapter } from './openai-completions/create-openai-completions-adapter.ts';

/** Builds the adapter for one model behind its provider's wire protocol (`provider.api`). */
export function createModelAdapter(options: {
  provider: ProviderConfig;
  model: ModelConfig;
  fetch?: typeof fetch;
  now?: () => number;
}): ModelAdapter {
  const resolved = { ...options, fetch: options.fetch ?? globalThis.fetch, now: options.now ?? Date.now };
  switch (options.provider.api) {
    case 'openai-completions':
      return createOpenaiCompletionsAdapter(resolved);
    case 'anthropic-messages':
      return createAnthropicMessagesAdapter(resolved);
    case 'google-generative-ai':
      return createGoogleGenerativeAiAdapter(resolved);
    case 'ollama':
      return createOllamaAdapter(resolved);
    default: {
      // Config validation rejects unknown apis; this guards hand-built configs.
      const api: never = options.provider.api;
      throw new Error(`unknown provider api "${api}"`);
    }
  }
}
