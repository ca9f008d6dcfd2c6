import type { ChatMessage, UserContentPart } from '../../contracts/message.ts';
import type { ModelCall } from '../../contracts/model-call.ts';
import type { ModelConfig } from '../../contracts/pyramid-config.ts';
import { resolveMaxTokens } from '../resolve-max-tokens.ts';
import { openaiReasoningEffort } from './openai-reasoning-effort.ts';

/**
 * The JSON body of `POST /chat/completions` for a call. A schema goes as `response_format: json_schema`
 * (`strict` only when the caller asked for it: strict mode rejects schemas that are not closed); models
 * configured `structuredOutput: json` (DeepSeek, which rejects `json_schema`) get `json_object`, and
 * `none` gets no response_format. The router checks the answer against the schema either way.
 * `tool_choice` and `parallel_tool_calls` go only with tools (OpenAI rejects them without).
 * Streams ask for usage in their last chunk.
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
  const format = call.responseFormat;
  const mode = model.structuredOutput ?? 'native';
  if (format && format.type !== 'text' && mode !== 'none') {
    body.response_format =
      format.type === 'json-schema' && mode === 'native'
        ? {
            type: 'json_schema',
            json_schema: {
              name: schemaName(format.name),
              schema: format.schema,
              strict: format.strict === true,
            },
          }
        : { type: 'json_object' };
  }
  const parameters = call.parameters ?? {};
  if (call.tools?.length) {
    body.tools = call.tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    }));
    const choice = parameters.toolChoice;
    if (choice !== undefined)
      body.tool_choice =
        typeof choice === 'object' ? { type: 'function', function: { name: choice.name } } : choice;
    if (parameters.parallelToolCalls !== undefined) body.parallel_tool_calls = parameters.parallelToolCalls;
  }
  if (parameters.stop?.length) body.stop = parameters.stop;
  if (parameters.topP !== undefined) body.top_p = parameters.topP;
  if (parameters.seed !== undefined) body.seed = parameters.seed;
  if (parameters.presencePenalty !== undefined) body.presence_penalty = parameters.presencePenalty;
  if (parameters.frequencyPenalty !== undefined) body.frequency_penalty = parameters.frequencyPenalty;
  if (parameters.user !== undefined) body.user = parameters.user;
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
      return { role: 'system', content: message.content };
    case 'user':
      return {
        role: 'user',
        content:
          typeof message.content === 'string' ? message.content : message.content.map(toOpenaiContentPart),
      };
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

/** A user message part: text, or an image as `image_url` (a URL, or a base64 data URL). */
function toOpenaiContentPart(part: UserContentPart): Record<string, unknown> {
  if (part.type === 'text') return { type: 'text', text: part.text };
  const { image } = part;
  const url = image.kind === 'url' ? image.url : `data:${image.mediaType};base64,${image.data}`;
  return { type: 'image_url', image_url: { url, ...(image.detail ? { detail: image.detail } : {}) } };
}

/** OpenAI requires a name matching ^[a-zA-Z0-9_-]{1,64}$; others are made to fit. */
function schemaName(name: string | undefined): string {
  const cleaned = (name ?? '').replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
  return cleaned || 'response';
}
