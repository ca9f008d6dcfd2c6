import type { CallParameters } from './call-parameters.ts';
import type { ChatMessage, ResponseFormat, ToolCall, ToolDefinition } from './message.ts';
import type { Usage } from './usage.ts';

/** How hard a reasoning model may think; `off` skips thinking where the protocol allows it. */
export type ReasoningLevel = 'off' | 'low' | 'medium' | 'high';

export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'other';

/** Time limits for one call to one model, in milliseconds. */
export type CallTimeouts = {
  /** Until the response headers arrive (a server that accepts and never answers). */
  connectMs: number;
  /** Until the first text or reasoning token of a stream. */
  firstTokenMs: number;
  /** The whole call. */
  totalMs: number;
};

/** One call to one model: what the router hands an adapter. */
export type ModelCall = {
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  responseFormat?: ResponseFormat;
  tools?: ToolDefinition[];
  parameters?: CallParameters;
  reasoning?: ReasoningLevel;
  timeouts: CallTimeouts;
  signal?: AbortSignal;
};

/** A finished non-streaming answer. Reasoning text never appears in `text`. */
export type ModelAnswer = {
  text: string;
  reasoningText: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
};

/**
 * What an adapter's stream yields. A failure before `finish` is thrown from the iterator as a
 * ProviderError (the router decides whether it may still fail over).
 */
export type ModelStreamEvent =
  | { type: 'text-delta'; text: string }
  | { type: 'reasoning-delta'; text: string }
  | { type: 'tool-call'; toolCall: ToolCall }
  | { type: 'finish'; finishReason: FinishReason; usage: Usage };

/** One model behind one wire protocol. Adapters never retry: the router is the only retry loop. */
export interface ModelAdapter {
  readonly api: string;
  readonly modelId: string;
  generate(call: ModelCall): Promise<ModelAnswer>;
  stream(call: ModelCall): AsyncIterable<ModelStreamEvent>;
  /**
   * The call's parameters this protocol cannot express (wire names such as `seed`), which the adapter
   * leaves out. Absent: it expresses every parameter.
   */
  droppedParameters?(call: ModelCall): string[];
}

/** A cheap reachability check of a provider (listing models), for health probes. */
export interface ProviderProbe {
  probe(options: { signal?: AbortSignal; timeoutMs: number }): Promise<{ latencyMs: number }>;
}
