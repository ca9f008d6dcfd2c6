import type { ChatRequest, Message } from 'ollama';
import type { ModelCall } from '../../contracts/model-call.ts';
import type { ModelConfig } from '../../contracts/pyramid-config.ts';
import { dropFormatWithTools } from '../drop-format-with-tools.ts';
import { resolveMaxTokens } from '../resolve-max-tokens.ts';
import { parseArguments } from '../to-language-model-prompt.ts';
import { ollamaThinkOption } from './ollama-think-option.ts';

/** Converts a spec call to an Ollama `/api/chat` request (without `stream`). */
export function toOllamaChatRequest(call: ModelCall, model: ModelConfig): ChatRequest {
  // `format` constrains decoding to JSON, which keeps a model from emitting tool calls: never both.
  const format = dropFormatWithTools(call).responseFormat;
  const maxTokens = resolveMaxTokens(call, model);
  const think = ollamaThinkOption(call.reasoning, model);
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
        default:
          return { role: message.role, content: message.content };
      }
    }),
    ...(think === undefined ? {} : { think }),
    ...(format && format.type !== 'text' ? { format: format.type === 'json' ? 'json' : format.schema } : {}),
    ...(call.tools?.length
      ? {
          tools: call.tools.map((tool) => ({
            type: 'function',
            function: { name: tool.name, description: tool.description, parameters: tool.parameters },
          })),
        }
      : {}),
    options: {
      ...(maxTokens === undefined ? {} : { num_predict: maxTokens }),
      ...(call.temperature === undefined ? {} : { temperature: call.temperature }),
    },
  };
}

const toObject = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
