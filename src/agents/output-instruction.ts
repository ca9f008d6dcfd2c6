import type { ResponseFormat } from '../contracts/message.ts';

/**
 * The line added to an agent's system prompt when its answer must be JSON. Providers that take a
 * schema natively get it there too, but OpenAI-compatible servers are sent only `json_object` (and
 * refuse it unless the prompt mentions JSON), and no protocol can combine a native format with tools
 * everywhere, so the model always reads what is expected of its final answer.
 */
export function outputInstruction(format: Exclude<ResponseFormat, { type: 'text' }>): string {
  const base =
    'Your final answer (after any tool calls) must be one JSON value and nothing else: no prose before or after it, no Markdown code fence.';
  return format.type === 'json'
    ? base
    : `${base} It must match this JSON Schema:\n${JSON.stringify(format.schema)}`;
}
