import type { ChatMessage } from '../../contracts/message.ts';
import type { ModelCall } from '../../contracts/model-call.ts';
import type { ModelConfig } from '../../contracts/pyramid-config.ts';
import { resolveMaxTokens } from '../resolve-max-tokens.ts';
import { openaiReasoningEffort } from './openai-reasoning-effort.ts';

/**
 * The JSON body of `POST /chat/completions` for a call. Structured output asks for `json_object`
 * (a JSON Schema is not sent: DeepSeek and several other compatible servers reject `json_schema`, and
 * the router checks the answer against the schema itself). Streams ask for usage in their last chunk.
 */
export function toOpenaiChatBody(
  call: ModelCall,
  model: ModelConfig,
  stream: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = { model: model.id, messages: call.messages.map(toOpenaiMessage) };
  const maxTokens = resolveMaxTokens(call, model);
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  if (call.temperature !== undefined) body.temperature = call.temperature;
  if (call.responseFormat && call.responseFormat.type !== 'text')
    body.response_format = { type: 'json_object' };
  if (call.tools?.length) {
    body.tools = call.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    }));
  }
  const effort = openaiReasoningEffort(call.reasoning, model);
  if (effort !== undefined) body.reasoning_effort = effort;
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return body;
}

function toOpenaiMessage(message: ChatMessage): Record<string, unknown> {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'assistant':
      if (!message.toolCalls?.length) return { role: 'assistant', content: message.content };
      return {
        role: 'assistant',
        content: message.content || null,
        tool_calls: message.toolCalls.map((toolCall) => ({
          id: toolCall.id,
          type: 'function',
          function: { name: toolCall.name, arguments: toolCall.arguments || '{}' },
        })),
      };
    default:
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}
