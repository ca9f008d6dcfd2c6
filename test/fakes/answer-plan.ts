import type { FakeBehaviour, FakeToolCall, FakeUsage } from './fake-behaviour.ts';

/** A successful answer, resolved from a behaviour, ready for a protocol to encode. */
export type AnswerPlan = {
  model: string;
  text: string;
  reasoning: string;
  inlineThink: boolean | 'closing-only';
  toolCalls: Required<FakeToolCall>[];
  finishReason: 'stop' | 'length' | 'tool-calls' | 'content-filter';
  usage: FakeUsage | null;
  chunkSize: number;
};

/** Resolves defaults: the text, the finish reason, and usage counted at about four characters per token. */
export function planAnswer(behaviour: FakeBehaviour, model: string): AnswerPlan {
  const empty = behaviour.emptyWithReasoning === true;
  const reasoning = behaviour.reasoning ?? (empty ? 'Let me think about this at length. '.repeat(8) : '');
  const text = empty ? '' : (behaviour.text ?? (behaviour.toolCalls?.length ? '' : 'Hello from the fake.'));
  const toolCalls = (behaviour.toolCalls ?? []).map((call, index) => ({
    id: call.id ?? `call_${index + 1}`,
    ...call,
  }));
  const finishReason =
    behaviour.finishReason ?? (empty ? 'length' : toolCalls.length ? 'tool-calls' : 'stop');
  const usage =
    behaviour.usage === null
      ? null
      : {
          input: 12,
          output: Math.max(1, Math.ceil(text.length / 4)),
          reasoning: Math.ceil(reasoning.length / 4),
          cachedInput: 0,
          omitReasoningCount: behaviour.inlineThink !== undefined && behaviour.inlineThink !== false,
          ...behaviour.usage,
        };
  return {
    model,
    text,
    reasoning,
    inlineThink: behaviour.inlineThink ?? false,
    toolCalls,
    finishReason,
    usage,
    chunkSize: behaviour.chunkSize ?? 8,
  };
}

/** Splits text into pieces of `size` characters (none for empty text). */
export function chunkText(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let index = 0; index < text.length; index += size) pieces.push(text.slice(index, index + size));
  return pieces;
}

/** The content a protocol sends: with `inlineThink`, the reasoning wrapped in `<think>` tags before the text. */
export function visibleContent(plan: AnswerPlan): string {
  return plan.inlineThink && plan.reasoning
    ? `${plan.inlineThink === 'closing-only' ? '' : '<think>\n'}${plan.reasoning}\n</think>\n\n${plan.text}`
    : plan.text;
}
