import type { ToolCall } from './message.ts';
import type { FinishReason } from './model-call.ts';
import type { Trace } from './trace.ts';
import type { Usage } from './usage.ts';

/** The accepted answer, with what every attempt cost. */
export type ChatResult = {
  requestId: string;
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  /** The model that answered, and its tier. */
  model: string;
  tier: number;
  /** Usage and cost summed over every attempt, failed ones included. */
  usage: Usage;
  costUsd: number;
  /** The answering model's reasoning, when the request asked for it (`includeReasoning`) and there was some. */
  reasoning?: string;
  /** Parameters the answering model's protocol could not express, left out (wire names); absent for none. */
  droppedParameters?: string[];
  trace: Trace;
};

/**
 * What the router's stream yields: visible text (and reasoning, only for a request with
 * `includeReasoning`), then exactly one `done` or `error`. Reasoning that came before the answer was
 * committed to a model arrives in one `reasoning-delta` right after `start`.
 */
export type ChatStreamEvent =
  | { type: 'start'; requestId: string; model: string; tier: number; droppedParameters?: string[] }
  | { type: 'reasoning-delta'; text: string }
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call'; toolCall: ToolCall }
  | { type: 'done'; result: ChatResult }
  | { type: 'error'; error: Error & { code: string }; trace: Trace };
