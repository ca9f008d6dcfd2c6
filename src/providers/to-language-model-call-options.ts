import type { LanguageModelV3CallOptions, SharedV3ProviderOptions } from '@ai-sdk/provider';
import type { ModelCall } from '../contracts/model-call.ts';
import type { ModelConfig } from '../contracts/pyramid-config.ts';
import { resolveMaxTokens } from './resolve-max-tokens.ts';
import { toLanguageModelPrompt } from './to-language-model-prompt.ts';
import { toLanguageModelToolChoice } from './to-language-model-tool-choice.ts';

/**
 * Converts a spec call to AI SDK call options; the protocol's own options (reasoning, and what has no
 * standard AI SDK field) come from the adapter. A schema goes to the model only when its config says
 * `structuredOutput: native` (the default); `json` asks for JSON without it, `none` for neither.
 */
export function toLanguageModelCallOptions(
  call: ModelCall,
  model: ModelConfig,
  providerOptions: SharedV3ProviderOptions | undefined,
  abortSignal: AbortSignal,
): LanguageModelV3CallOptions {
  const format = call.responseFormat;
  const mode = model.structuredOutput ?? 'native';
  const parameters = call.parameters ?? {};
  const hasTools = (call.tools?.length ?? 0) > 0;
  return {
    prompt: toLanguageModelPrompt(call.messages),
    maxOutputTokens: resolveMaxTokens(call, model),
    temperature: call.temperature,
    topP: parameters.topP,
    seed: parameters.seed,
    presencePenalty: parameters.presencePenalty,
    frequencyPenalty: parameters.frequencyPenalty,
    stopSequences: parameters.stop?.length ? parameters.stop : undefined,
    toolChoice: hasTools ? toLanguageModelToolChoice(parameters.toolChoice) : undefined,
    responseFormat:
      format === undefined || format.type === 'text' || mode === 'none'
        ? undefined
        : format.type === 'json' || mode === 'json'
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
