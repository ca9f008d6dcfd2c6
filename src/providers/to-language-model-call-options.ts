import type { LanguageModelV3CallOptions, SharedV3ProviderOptions } from '@ai-sdk/provider';
import type { ModelCall } from '../contracts/model-call.ts';
import type { ModelConfig } from '../contracts/pyramid-config.ts';
import { resolveMaxTokens } from './resolve-max-tokens.ts';
import { toLanguageModelPrompt } from './to-language-model-prompt.ts';

/** Converts a spec call to AI SDK call options; the protocol's reasoning options come from the adapter. */
export function toLanguageModelCallOptions(
  call: ModelCall,
  model: ModelConfig,
  providerOptions: SharedV3ProviderOptions | undefined,
  abortSignal: AbortSignal,
): LanguageModelV3CallOptions {
  const format = call.responseFormat;
  return {
    prompt: toLanguageModelPrompt(call.messages),
    maxOutputTokens: resolveMaxTokens(call, model),
    temperature: call.temperature,
    responseFormat:
      format === undefined || format.type === 'text'
        ? undefined
        : format.type === 'json'
          ? { type: 'json' }
          : { type: 'json', schema: format.schema as never, name: format.name },
    tools: call.tools?.map((tool) => ({
      type: 'function',
      name: tool.name,
      description: tool.description,
      inputSchema: tool.parameters as never,
    })),
    providerOptions,
    abortSignal,
  };
}
