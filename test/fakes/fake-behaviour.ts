/** Token counts in spec terms; each protocol fake encodes them the way its real API does. */
export type FakeUsage = {
  input: number;
  /** Visible answer tokens. */
  output: number;
  reasoning: number;
  cachedInput: number;
  /** Leave the reasoning token count out of the wire usage (as Anthropic and inline-<think> servers do). */
  omitReasoningCount?: boolean;
};

export type FakeToolCall = { id?: string; name: string; arguments: string };

/** A canned failure, sent in the protocol's real error shape. */
export type FakeErrorKind =
  | 'rate-limited'
  | 'server'
  | 'overloaded'
  | 'auth'
  | 'bad-request'
  | 'context-too-long'
  | 'model-not-found';

/** What the fake does with one request. Every field is optional; `{}` is a short successful answer. */
export type FakeBehaviour = {
  /** The answer text (default "Hello from the fake."). */
  text?: string;
  /** Reasoning text, sent the protocol's way (reasoning_content, thinking blocks, thought parts, `thinking`). */
  reasoning?: string;
  /**
   * OpenAI and Ollama: send the reasoning inline as `<think>...</think>` at the start of the content;
   * `'closing-only'` leaves the opening tag out, as a model whose chat template wrote it into the prompt.
   */
  inlineThink?: boolean | 'closing-only';
  toolCalls?: FakeToolCall[];
  /** Default `tool-calls` when there are tool calls, else `stop`. */
  finishReason?: 'stop' | 'length' | 'tool-calls' | 'content-filter';
  /** Overrides of the reported usage; `null` sends no usage at all. */
  usage?: Partial<FakeUsage> | null;
  /** A canned error in the protocol's shape (status and body); `status`/`errorBody` override it. */
  error?: FakeErrorKind;
  /** Answer with this HTTP status; >= 400 sends an error body. */
  status?: number;
  /** The error body: an object is sent as JSON, a string as is. */
  errorBody?: unknown;
  /** Extra response headers (for example `{ 'retry-after': '7' }`). */
  headers?: Record<string, string>;
  /** Wait before sending the response headers. */
  delayMs?: number;
  /** Wait until this settles before sending the response headers (after `delayMs`): the test decides when. */
  release?: Promise<unknown>;
  /** Streams: wait after the headers, before the first chunk. */
  ttftMs?: number;
  /** Streams: wait between chunks. */
  chunkDelayMs?: number;
  /** Streams: characters of text per chunk (default 8), so tags and words split across chunks. */
  chunkSize?: number;
  /** Accept the request and never answer. */
  hang?: boolean;
  /** Streams: destroy the socket after this many chunks. */
  cutAfterChunks?: number;
  /** Streams: end the response cleanly after this many chunks, before the protocol's final event. */
  endAfterChunks?: number;
  /** Answer 200 with a body that is not the protocol (broken JSON, or a broken stream chunk). */
  malformed?: boolean;
  /** A reasoning model that spent its whole budget thinking: reasoning, empty text, finish `length`. */
  emptyWithReasoning?: boolean;
};

/** A request as the fake received it. Header names are lower-case; `body` is parsed JSON when it was JSON. */
export type RecordedRequest = {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
};
