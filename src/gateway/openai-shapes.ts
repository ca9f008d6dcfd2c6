import type { ChatResult } from '../contracts/chat-result.ts';
import type { ToolCall } from '../contracts/message.ts';
import type { FinishReason } from '../contracts/model-call.ts';
import type { Usage } from '../contracts/usage.ts';

const finishReasons: Record<FinishReason, string> = {
  stop: 'stop',
  length: 'length',
  'tool-calls': 'tool_calls',
  'content-filter': 'content_filter',
  other: 'stop',
};

/** OpenAI's finish_reason for a spec finish reason. */
export function openAiFinishReason(reason: FinishReason): string {
  return finishReasons[reason];
}

/** OpenAI usage; `completion_tokens` includes reasoning, as OpenAI counts it. Summed over every attempt. */
export function openAiUsage(usage: Usage) {
  const completion = usage.output + usage.reasoning;
  return {
    prompt_tokens: usage.input,
    completion_tokens: completion,
    total_tokens: usage.input + completion,
    prompt_tokens_details: { cached_tokens: usage.cachedInput },
    completion_tokens_details: { reasoning_tokens: usage.reasoning },
  };
}

/** An OpenAI tool call. */
export function openAiToolCall(toolCall: ToolCall) {
  return {
    id: toolCall.id,
    type: 'function',
    function: { name: toolCall.name, arguments: toolCall.arguments },
  };
}

/** The `chat.completion` object for a finished result; `model` is the model that answered. */
export function openAiCompletion(result: ChatResult, createdSeconds: number) {
  return {
    id: `chatcmpl-${result.requestId}`,
    object: 'chat.completion',
    created: createdSeconds,
    model: result.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: result.toolCalls.length > 0 && result.text === '' ? null : result.text,
          ...(result.toolCalls.length > 0 ? { tool_calls: result.toolCalls.map(openAiToolCall) } : {}),
          refusal: null,
        },
        logprobs: null,
        finish_reason: openAiFinishReason(result.finishReason),
      },
    ],
    usage: openAiUsage(result.usage),
    pyramid: pyramidSummary(result),
  };
}

/** What Pyramid adds beside the OpenAI fields (clients ignore unknown fields). */
export function pyramidSummary(result: ChatResult) {
  return {
    request_id: result.requestId,
    tier: result.tier,
    attempts: result.trace.attempts.length,
    cost_usd: result.costUsd,
  };
}
