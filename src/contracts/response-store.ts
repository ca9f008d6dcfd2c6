import type { ChatMessage } from './message.ts';

/**
 * A Responses API response kept for `GET /v1/responses/{id}` and `previous_response_id`.
 * `conversation` is what a follow-up continues from: the earlier turns, this request's input and
 * this response's output, without `instructions` (which, as in OpenAI's API, do not carry over).
 */
export type StoredResponse = {
  id: string;
  /** ms since epoch. */
  createdAt: number;
  /** The token name that created it; only it (or an admin) may read it back. */
  callerTag?: string;
  conversation: ChatMessage[];
  /** The Responses API object as it was returned. */
  response: Record<string, unknown>;
};

/** Where the gateway keeps responses created with `store` (the default). */
export interface ResponseStore {
  /** Durable when it resolves; an id already stored is a failure. */
  put(response: StoredResponse): Promise<void>;
  get(id: string): Promise<StoredResponse | undefined>;
  /** True when there was one to delete. */
  delete(id: string): Promise<boolean>;
  /** Removes responses created before `beforeMs`; resolves with how many went (for `retention:`). */
  prune(beforeMs: number): Promise<number>;
}
