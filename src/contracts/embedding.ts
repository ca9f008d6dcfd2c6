import type { CallTimeouts } from './model-call.ts';
import type { Trace } from './trace.ts';
import type { Usage } from './usage.ts';

/** One embedding call to one model: what the router hands an embedding adapter. */
export type EmbeddingCall = {
  inputs: string[];
  /** Ask for vectors of this length (models that support shortening them). */
  dimensions?: number;
  timeouts: CallTimeouts;
  signal?: AbortSignal;
};

/** One vector per input, in input order; `inputTokens` as the provider counted them (or estimated). */
export type EmbeddingAnswer = { vectors: number[][]; inputTokens: number };

/** One embedding model behind one wire protocol. Adapters never retry: the router fails over. */
export interface EmbeddingAdapter {
  readonly api: string;
  embed(call: EmbeddingCall): Promise<EmbeddingAnswer>;
}

/** What a caller asks the router for embeddings: the `embeddings:` list in failover order, or one model. */
export type EmbeddingRequest = {
  inputs: string[];
  dimensions?: number;
  /** Pin one model of the `embeddings:` list. */
  model?: string;
  callerTag?: string;
  requestId?: string;
  signal?: AbortSignal;
};

/** The vectors, the model that made them, and what every attempt cost. */
export type EmbeddingResult = {
  requestId: string;
  vectors: number[][];
  model: string;
  usage: Usage;
  costUsd: number;
  trace: Trace;
};

/** The ledger's task name for embedding requests: their own kind of request in `pyramid usage --by task`. */
export const embeddingsTask = 'embeddings';
