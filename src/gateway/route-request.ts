import type { Context } from 'hono';
import type { ChatRequest } from '../contracts/chat-request.ts';
import type { ChatResult, ChatStreamEvent } from '../contracts/chat-result.ts';
import type { Router } from '../router/router.ts';
import { clientClosedRequest } from './client-closed-request.ts';
import type { GatewayEnv } from './gateway-env.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';

/** What every client protocol's route needs to hand a request to the router and follow the client. */
export type RoutedCall = {
  /** The signal to put on the ChatRequest: the client's, or for a stream one its reader can also cancel. */
  signal: AbortSignal;
  /** Cancels the upstream call of a stream (its reader went away). */
  cancel: () => void;
  /** Whether the client went away. */
  clientGone: () => boolean;
  /** The whole answer; a failure after the client left becomes a 499. */
  complete(request: ChatRequest): Promise<ChatResult>;
  /**
   * The router's stream up to its `start` event, so that failover stays an HTTP error; the caller
   * renders the rest and calls `metrics.requestEnded()` through `end`.
   */
  stream(request: ChatRequest): Promise<{
    start: Extract<ChatStreamEvent, { type: 'start' }>;
    iterator: AsyncIterator<ChatStreamEvent>;
  }>;
};

/**
 * The router call shared by chat completions, Responses and Messages: the client's abort signal (a
 * listener rather than AbortSignal.any, which costs a composite signal per request) and the
 * in-flight metric. The protocols differ only in their translator in and renderer out.
 */
export function routeRequest(
  c: Context<GatewayEnv>,
  router: Router,
  metrics: GatewayMetrics,
  streaming: boolean,
): RoutedCall {
  const clientSignal = c.req.raw.signal;
  const controller = streaming ? new AbortController() : undefined;
  if (controller) {
    const onClientAbort = () => controller.abort(clientSignal.reason);
    if (clientSignal.aborted) onClientAbort();
    else clientSignal.addEventListener('abort', onClientAbort, { once: true });
  }
  return {
    signal: controller?.signal ?? clientSignal,
    cancel: () => controller?.abort(new DOMException('the client went away', 'AbortError')),
    clientGone: () => controller?.signal.aborted === true,
    async complete(request) {
      metrics.requestStarted();
      try {
        return await router.complete(request);
      } catch (error) {
        throw clientSignal.aborted ? clientClosedRequest(error) : error;
      } finally {
        metrics.requestEnded();
      }
    },
    async stream(request) {
      metrics.requestStarted();
      const iterator = router.stream(request)[Symbol.asyncIterator]();
      let first: IteratorResult<ChatStreamEvent>;
      try {
        first = await iterator.next();
      } catch (error) {
        metrics.requestEnded();
        throw clientSignal.aborted ? clientClosedRequest(error) : error;
      }
      if (first.done || first.value.type !== 'start') {
        metrics.requestEnded();
        throw new Error('the router stream did not start with a start event');
      }
      return { start: first.value, iterator };
    },
  };
}
