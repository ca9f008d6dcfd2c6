import type { ChatResult } from '../../contracts/chat-result.ts';
import type { ToolCall } from '../../contracts/message.ts';
import type { FinishReason } from '../../contracts/model-call.ts';
import type { Usage } from '../../contracts/usage.ts';
import { pyramidSummary } from '../openai-shapes.ts';

/** Item ids within one response, derived from its id so that a stored response reads back the same. */
export const messageItemId = (responseId: string) => `msg_${responseId.slice(5)}`;
export const functionCallItemId = (responseId: string, index: number) => `fc_${responseId.slice(5)}_${index}`;

/** Responses API usage; `output_tokens` includes reasoning, as OpenAI counts it. */
export function responsesUsage(usage: Usage) {
  const output = usage.output + usage.reasoning;
  return {
    input_tokens: usage.input,
    input_tokens_details: { cached_tokens: usage.cachedInput },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage.reasoning },
    total_tokens: usage.input + output,
  };
}

export const outputTextPart = (text: string) => ({
  type: 'output_text',
  text,
  annotations: [],
  logprobs: [],
});

export function messageItem(responseId: string, text: string, status: 'in_progress' | 'completed') {
  return {
    type: 'message',
    id: messageItemId(responseId),
    status,
    role: 'assistant',
    content: status === 'completed' ? [outputTextPart(text)] : [],
  };
}

export function functionCallItem(
  responseId: string,
  index: number,
  toolCall: ToolCall,
  status: 'in_progress' | 'completed',
) {
  return {
    type: 'function_call',
    id: functionCallItemId(responseId, index),
    call_id: toolCall.id,
    name: toolCall.name,
    arguments: status === 'completed' ? toolCall.arguments || '{}' : '',
    status,
  };
}

/** `incomplete` with its reason when the answer was cut (length) or withheld (content filter). */
export function responseStatus(reason: FinishReason) {
  if (reason === 'length')
    return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } as const;
  if (reason === 'content-filter')
    return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } } as const;
  return { status: 'completed', incomplete_details: null } as const;
}

/** The `response` object before any output (for `response.created`). */
export function pendingResponse(
  id: string,
  createdSeconds: number,
  model: string,
  echo: Record<string, unknown>,
) {
  return {
    id,
    object: 'response',
    created_at: createdSeconds,
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    model,
    output: [],
    usage: null,
    ...echo,
  };
}

/** The finished `response` object; `model` is the model that answered. */
export function finishedResponse(
  id: string,
  createdSeconds: number,
  result: ChatResult,
  echo: Record<string, unknown>,
) {
  const output: unknown[] = [];
  if (result.text) output.push(messageItem(id, result.text, 'completed'));
  for (const [index, toolCall] of result.toolCalls.entries())
    output.push(functionCallItem(id, index, toolCall, 'completed'));
  return {
    ...pendingResponse(id, createdSeconds, result.model, echo),
    ...responseStatus(result.finishReason),
    output,
    usage: responsesUsage(result.usage),
    pyramid: pyramidSummary(result),
  };
}
