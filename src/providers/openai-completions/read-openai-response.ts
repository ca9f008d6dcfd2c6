import type { FinishReason } from '../../contracts/model-call.ts';
import type { ReportedUsage } from '../normalise-usage.ts';

/** Any JSON object; the protocol's fields are read with type checks, never trusted. */
export type JsonObject = Record<string, unknown>;

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Visible text and reasoning of a message or delta: `content` as a string or as parts (`text`, and
 * Mistral-style `thinking` parts), and the separate `reasoning_content` (DeepSeek, vLLM) or
 * `reasoning` (OpenRouter, Ollama's /v1) field. A refusal counts as text: the caller says what it is.
 */
export function readContent(source: JsonObject): { text: string; reasoning: string; refusal: boolean } {
  let text = '';
  let reasoning = '';
  const reasoningField = source.reasoning_content ?? source.reasoning;
  if (typeof reasoningField === 'string') reasoning += reasoningField;
  const content = source.content;
  if (typeof content === 'string') text += content;
  else if (Array.isArray(content)) {
    for (const part of content) {
      if (!isJsonObject(part)) continue;
      if (part.type === 'text' && typeof part.text === 'string') text += part.text;
      else if (part.type === 'thinking' && Array.isArray(part.thinking)) {
        for (const piece of part.thinking)
          if (isJsonObject(piece) && typeof piece.text === 'string') reasoning += piece.text;
      }
    }
  }
  const refusal = typeof source.refusal === 'string' && source.refusal.length > 0;
  if (refusal) text += source.refusal as string;
  return { text, reasoning, refusal };
}

/** `finish_reason` in the spec's terms; a refusal that "stopped" was filtered. */
export function toFinishReason(raw: unknown, refused: boolean): FinishReason {
  switch (raw) {
    case 'stop':
      return refused ? 'content-filter' : 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    default:
      return 'other';
  }
}

/** `usage`: completion_tokens counts reasoning_tokens; cached_tokens are part of prompt_tokens. */
export function toReportedUsage(usage: unknown): ReportedUsage {
  if (!isJsonObject(usage)) return {};
  const count = (value: unknown) => (typeof value === 'number' ? value : undefined);
  const promptDetails = isJsonObject(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  const completionDetails = isJsonObject(usage.completion_tokens_details)
    ? usage.completion_tokens_details
    : {};
  const outputTotal = count(usage.completion_tokens) ?? 0;
  const reasoning = count(completionDetails.reasoning_tokens) ?? 0;
  return {
    input: count(usage.prompt_tokens) ?? 0,
    cachedInput: count(promptDetails.cached_tokens) ?? 0,
    outputTotal,
    outputText: Math.max(0, outputTotal - reasoning),
    reasoning,
  };
}
