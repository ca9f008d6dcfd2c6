import type { ChatRequest, Message } from 'ollama';
import { messageText, type UserContentPart } from '../../contracts/message.ts';
import type { ModelCall } from '../../contracts/model-call.ts';
import type { ModelConfig } from '../../contracts/pyramid-config.ts';
import { dropFormatWithTools } from '../drop-format-with-tools.ts';
import { resolveMaxTokens } from '../resolve-max-tokens.ts';
import { parseArguments } from '../to-language-model-prompt.ts';
import { ollamaThinkOption } from './ollama-think-option.ts';

/**
 * Converts a spec call to an Ollama `/api/chat` request (without `stream`). A schema goes in `format`
 * (Ollama constrains decoding to it); `structuredOutput: json` sends `"json"`, `none` nothing.
 * `tool_choice: none` leaves the tools out; stop, top_p, seed and the penalties go in `options`.
 * Images go in the message's `images` as bare base64 (Ollama has no image URLs: the plan skips
 * Ollama models for a request that has one).
 */
export function toOllamaChatRequest(call: ModelCall, model: ModelConfig): ChatRequest {
  // `format` constrains decoding to JSON, which keeps a model from emitting tool calls: never both.
  const format = ollamaFormat(dropFormatWithTools(call), model);
  const maxTokens = resolveMaxTokens(call, model);
  const think = ollamaThinkOption(call.reasoning, model);
  const parameters = call.parameters ?? {};
  const tools = parameters.toolChoice === 'none' ? undefined : call.tools;
  return {
    model: model.id,
    messages: call.messages.map((message): Message => {
      switch (message.role) {
        case 'tool':
          return { role: 'tool', content: message.content, tool_name: message.toolName };
        case 'assistant':
          return {
            role: 'assistant',
            content: message.content,
            ...(message.toolCalls?.length
              ? {
                  tool_calls: message.toolCalls.map((toolCall) => ({
                    function: {
                      name: toolCall.name,
                      arguments: toObject(parseArguments(toolCall.arguments)),
                    },
                  })),
                }
              : {}),
          };
        case 'user':
          return typeof message.content === 'string'
            ? { role: 'user', content: message.content }
            : { role: 'user', content: messageText(message), images: ollamaImages(message.content) };
        default:
          return { role: message.role, content: message.content };
      }
    }),
    ...(think === undefined ? {} : { think }),
    ...(format === undefined ? {} : { format }),
    ...(tools?.length
      ? {
          tools: tools.map((tool) => ({
            type: 'function',
            function: { name: tool.name, description: tool.description, parameters: tool.parameters },
          })),
        }
      : {}),
    options: {
      ...(maxTokens === undefined ? {} : { num_predict: maxTokens }),
      ...(call.temperature === undefined ? {} : { temperature: call.temperature }),
      ...(parameters.topP === undefined ? {} : { top_p: parameters.topP }),
      ...(parameters.seed === undefined ? {} : { seed: parameters.seed }),
      ...(parameters.stop?.length ? { stop: parameters.stop } : {}),
      ...(parameters.presencePenalty === undefined ? {} : { presence_penalty: parameters.presencePenalty }),
      ...(parameters.frequencyPenalty === undefined
        ? {}
        : { frequency_penalty: parameters.frequencyPenalty }),
    },
  };
}

function ollamaFormat(call: ModelCall, model: ModelConfig): string | Record<string, unknown> | undefined {
  const format = call.responseFormat;
  const mode = model.structuredOutput ?? 'native';
  if (!format || format.type === 'text' || mode === 'none') return undefined;
  return format.type === 'json' || mode === 'json' ? 'json' : format.schema;
}

const toObject = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

function ollamaImages(parts: UserContentPart[]): string[] {
  return parts.flatMap((part) => {
    if (part.type !== 'image') return [];
    if (part.image.kind !== 'base64')
      throw new Error('Ollama takes inline images only (the plan should have skipped this model)');
    return [part.image.data];
  });
}
