import type { SharedV3ProviderOptions } from '@ai-sdk/provider';
import type { ModelCall } from '../../contracts/model-call.ts';
import type { ModelConfig } from '../../contracts/pyramid-config.ts';
import { anthropicThinkingOptions } from './anthropic-thinking-options.ts';

/**
 * The AI SDK's `anthropic` options for a call: thinking, `disable_parallel_tool_use`, `metadata.user_id`,
 * and how a schema is sent. A native schema always goes as `output_config.format` (the AI SDK would
 * otherwise turn it into a forced `json` tool for model ids it does not know).
 */
export function anthropicProviderOptions(
  call: ModelCall,
  model: ModelConfig,
  maxTokens: number | undefined,
): SharedV3ProviderOptions | undefined {
  const thinking = anthropicThinkingOptions(call.reasoning, model, maxTokens)?.anthropic ?? {};
  const parameters = call.parameters ?? {};
  const options: Record<string, unknown> = { ...thinking };
  if (parameters.parallelToolCalls === false && call.tools?.length) options.disableParallelToolUse = true;
  if (parameters.user !== undefined) options.metadata = { userId: parameters.user };
  if (call.responseFormat?.type === 'json-schema' && (model.structuredOutput ?? 'native') === 'native')
    options.structuredOutputMode = 'outputFormat';
  return Object.keys(options).length > 0 ? { anthropic: options as never } : undefined;
}
