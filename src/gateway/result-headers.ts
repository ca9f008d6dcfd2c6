import type { ChatResult, ChatStreamEvent } from '../contracts/chat-result.ts';

/** The summary headers of a finished request, in every client protocol. */
export function resultHeaders(result: ChatResult): Record<string, string> {
  const headers: Record<string, string> = {
    'x-pyramid-model': result.model,
    'x-pyramid-tier': String(result.tier),
    'x-pyramid-attempts': String(result.trace.attempts.length),
    'x-pyramid-cost-usd': result.costUsd.toFixed(8),
  };
  if (result.droppedParameters?.length)
    headers['x-pyramid-dropped-params'] = result.droppedParameters.join(', ');
  return headers;
}

/** The headers of an event stream, known once the router's `start` event names the model. */
export function streamHeaders(start: Extract<ChatStreamEvent, { type: 'start' }>): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-pyramid-request-id': start.requestId,
    'x-pyramid-model': start.model,
    'x-pyramid-tier': String(start.tier),
  };
  if (start.droppedParameters?.length)
    headers['x-pyramid-dropped-params'] = start.droppedParameters.join(', ');
  return headers;
}
