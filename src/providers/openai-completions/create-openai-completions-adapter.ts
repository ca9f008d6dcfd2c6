import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { ModelAdapter } from '../../spec/model-call.ts';
import type { ModelConfig, ProviderConfig } from '../../spec/pyramid-config.ts';
import { createLanguageModelAdapter } from '../create-language-model-adapter.ts';
import { openaiReasoningOptions } from './openai-reasoning-options.ts';

/** An adapter for OpenAI-style `/chat/completions` servers (OpenAI, DeepSeek, vLLM, llama.cpp, LM Studio). */
export function createOpenaiCompletionsAdapter(options: {
  provider: ProviderConfig;
  model: ModelConfig;
  fetch: typeof globalThis.fetch;
  now: () => number;
}): ModelAdapter {
  const { provider, model } = options;
  return createLanguageModelAdapter({
    ...options,
    createLanguageModel: (fetch) =>
      createOpenAICompatible({
        name: provider.name,
        baseURL: provider.baseUrl,
        apiKey: provider.apiKey,
        headers: provider.headers,
        fetch,
        // Without it, streams carry no usage at all.
        includeUsage: true,
      }).chatModel(model.id),
    providerOptions: (call) => openaiReasoningOptions(call.reasoning, model),
    // completion_tokens counts reasoning_tokens (and inline <think> text).
    outputIncludesReasoning: true,
  });
}
