import type { ChatResult } from '../../contracts/chat-result.ts';
import type { ToolCall } from '../../contracts/message.ts';
import type { FinishReason } from '../../contracts/model-call.ts';
import type { Usage } from '../../contracts/usage.ts';
import { pyramidSummary } from '../openai-shapes.ts';

const stopReasons: Record<FinishReason, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  'tool-calls': 'tool_use',
  'content-filter': 'refusal',
  other: 'end_turn',
};

/** Anthropic's stop_reason for a spec finish reason. */
export const anthropicStopReason = (reason: FinishReason): string => stopReasons[reason];

/** Anthropic usage: `input_tokens` excludes cache reads; `output_tokens` counts thinking. */
export function anthropicUsage(usage: Usage) {
  return {
    input_tokens: usage.input - usage.cachedInput,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: usage.cachedInput,
    output_tokens: usage.output + usage.reasoning,
  };
}

/** A tool_use block; the spec's JSON arguments text becomes `input` (unparseable text is kept as `{ raw }`). */
export function anthropicToolUse(toolCall: ToolCall) {
  return { type: 'tool_use', id: toolCall.id, name: toolCall.name, input: parseInput(toolCall.arguments) };
}

/**
 * The `signature` of a thinking block. Pyramid's, not Anthropic's (the thinking may come from any
 * model): clients keep it opaque, and a thinking block sent back is never replayed upstream.
 */
export const thinkingSignature = (requestId: string): string =>
  Buffer.from(`pyramid-thinking:${requestId}`).toString('base64');

/** The `message` object for a finished result; `model` is the model that answered. */
export function anthropicMessage(result: ChatResult) {
  return {
    id: `msg_${result.requestId}`,
    type: 'message',
    role: 'assistant',
    model: result.model,
    content: [
      ...(result.reasoning
        ? [
            {
              type: 'thinking',
              thinking: result.reasoning,
              signature: thinkingSignature(result.requestId),
            },
          ]
        : []),
      ...(result.text ? [{ type: 'text', text: result.text }] : []),
      ...result.toolCalls.map(anthropicToolUse),
    ],
    stop_reason: anthropicStopReason(result.finishReason),
    stop_sequence: null,
    usage: anthropicUsage(result.usage),
    pyramid: pyramidSummary(result),
  };
}

function parseInput(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text || '{}');
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : { value };
  } catch {
    return { raw: text };
  }
}
