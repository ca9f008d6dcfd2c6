import { z } from 'zod';
import type { ResponseFormat, ToolCall } from '../contracts/message.ts';
import type { FinishReason } from '../contracts/model-call.ts';

/** Why an answer was not good enough, or undefined when it is. */
export type Inadequacy = 'empty_answer' | 'length_no_text' | 'invalid_json' | 'schema_mismatch';

/**
 * The escalation checks: only observable facts about the answer, never a judgement by another model.
 * `length_no_text` is a reasoning model that spent its whole budget thinking.
 */
export function checkAnswer(
  answer: { text: string; toolCalls: ToolCall[]; finishReason: FinishReason },
  responseFormat: ResponseFormat | undefined,
): { inadequacy?: Inadequacy; detail?: string } {
  if (answer.toolCalls.length > 0) return {};
  if (answer.text.trim() === '') {
    return answer.finishReason === 'length'
      ? { inadequacy: 'length_no_text', detail: 'the token budget ran out before any visible text' }
      : { inadequacy: 'empty_answer' };
  }
  if (!responseFormat || responseFormat.type === 'text') return {};
  // Cut off at the token limit: incomplete even when what came parses (`12` of `1234`).
  if (answer.finishReason === 'length')
    return { inadequacy: 'invalid_json', detail: 'the answer was cut off at the token limit' };
  let value: unknown;
  try {
    value = JSON.parse(stripCodeFence(answer.text));
  } catch (error) {
    return { inadequacy: 'invalid_json', detail: (error as Error).message };
  }
  if (responseFormat.type === 'json-schema') {
    const schema = z.fromJSONSchema(responseFormat.schema as Parameters<typeof z.fromJSONSchema>[0]);
    const result = schema.safeParse(value);
    if (!result.success) {
      const first = result.error.issues[0];
      return {
        inadequacy: 'schema_mismatch',
        detail: `${first.path.join('.') || '(root)'}: ${first.message}`,
      };
    }
  }
  return {};
}

/** Models often wrap JSON in a Markdown fence even when asked not to; that is still valid JSON. */
export function stripCodeFence(text: string): string {
  const match = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return match ? match[1] : text;
}
