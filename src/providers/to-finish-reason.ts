import type { LanguageModelV3FinishReason } from '@ai-sdk/provider';
import type { FinishReason } from '../contracts/model-call.ts';

/** Maps the AI SDK's unified finish reason to the spec's; `error` (say, a malformed tool call) is `other`. */
export function toFinishReason(reason: LanguageModelV3FinishReason): FinishReason {
  const unified = reason.unified;
  return unified === 'error' ? 'other' : unified;
}
