import type { AnswerPlan } from './answer-plan.ts';
import type { FakeErrorKind } from './fake-behaviour.ts';

export type FakeRoute = { kind: 'generate' | 'stream' | 'models' | 'embed'; model: string };

/** What the real API does with a request, decided from the request alone (see `FakeProtocol.review`). */
export type FakeVerdict =
  | { refusal: { status: number; body: unknown } }
  | { constrain: (plan: AnswerPlan) => AnswerPlan };

/** What the fake knows of the models it serves. */
export type FakeModels = {
  /** False for a model started as text-only (`startFakeModelServer({ textOnlyModels })`). */
  takesImages(model: string): boolean;
};

/** How one wire protocol frames answers, streams and errors. One implementation per `api`. */
export type FakeProtocol = {
  /** The path part of `baseUrl` (what ProviderConfig.baseUrl includes after the origin). */
  basePath: string;
  streamContentType: string;
  /** What a request is, or undefined for a path the real API does not have (answered 404). */
  route(method: string, url: URL, body: unknown): FakeRoute | undefined;
  generateBody(plan: AnswerPlan): unknown;
  /** The stream, each element one framed chunk (an SSE event or an NDJSON line). */
  streamChunks(plan: AnswerPlan, requestBody: unknown): string[];
  /** A stream that starts well and then sends a chunk that is not JSON. */
  malformedStreamChunks(plan: AnswerPlan): string[];
  modelsBody(models: string[]): unknown;
  /** The protocol's embeddings answer for a request body (vectors from `fakeEmbedding`). */
  embedBody?(body: unknown, model: string): unknown;
  errorResponse(kind: FakeErrorKind, model: string): { status: number; body: unknown };
  /**
   * What the real API makes of a request (every route but the models list) before any behaviour
   * applies: a `refusal` in its error shape for one it rejects (an unknown field, a schema without a
   * name, tool_choice without tools, an image for a text-only model, a combination of fields it does
   * not support), or `constrain` for one it accepts but whose fields shape the answer (Ollama's
   * `format` grammar leaves no room for tool calls); undefined for a request it takes as it is.
   */
  review?(route: FakeRoute, body: unknown, models: FakeModels): FakeVerdict | undefined;
};

/** The canned error kind that matches an HTTP status, for `{ status }` behaviours without `error`. */
export function errorKindForStatus(status: number): FakeErrorKind {
  if (status === 429) return 'rate-limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'model-not-found';
  if (status === 529 || status === 503) return 'overloaded';
  if (status >= 500) return 'server';
  return 'bad-request';
}

/** One server-sent event; `event` is the named type Anthropic uses, absent for OpenAI and Google. */
export const sse = (data: unknown, event?: string): string =>
  `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

/**
 * A deterministic vector for a text, so tests can check which input got which vector: its length
 * (default 4) and the text's character codes decide every component.
 */
export function fakeEmbedding(text: string, dimensions = 4): number[] {
  let seed = 0;
  for (const character of text) seed = (seed * 31 + (character.codePointAt(0) ?? 0)) % 1000;
  return Array.from({ length: dimensions }, (_, index) => ((seed + index * 37) % 1000) / 1000);
}

/** Input tokens of an embedding request as the fakes count them: a quarter of the characters, rounded up. */
export const fakeEmbeddingTokens = (inputs: string[]) =>
  inputs.reduce((sum, input) => sum + Math.ceil(input.length / 4), 0);

/** A request rule's rejection as a verdict (undefined stays undefined). */
export const refused = (rejection: { status: number; body: unknown } | undefined): FakeVerdict | undefined =>
  rejection ? { refusal: rejection } : undefined;

/** Whether `text` is standard base64 (what every API that takes inline images decodes). */
export const isBase64 = (text: string): boolean =>
  text.length > 0 && text.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text);

/** The image media types OpenAI, Anthropic and Gemini all accept inline. */
export const imageMediaTypes = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
