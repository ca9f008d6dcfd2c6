import type { IncomingHttpHeaders } from 'node:http';
import { TimeoutError } from '../contracts/errors/index.ts';
import type { CallTimeouts } from '../contracts/model-call.ts';
import { flattenHeaders } from './http/flatten-headers.ts';

/** The abort signal and timers of one call: why it was cut short, and what had happened by then. */
export type CallGuard = {
  /** Aborts the upstream request: set on timeout, caller abort or dispose. */
  readonly signal: AbortSignal;
  /** The caller's abort reason, or the TimeoutError that fired; undefined while the call runs. */
  stopReason(): unknown;
  /** Whether the request was handed to the network; a failure before it is Pyramid's own, not the provider's. */
  readonly requestSent: boolean;
  /** Called just before the request goes to fetch (or node:http). */
  markRequestSent(): void;
  /** Whether the response headers arrived (a network failure after them is a cut stream). */
  readonly headersReceived: boolean;
  /** Lower-case response headers of the last response, for Retry-After when a library drops them. */
  readonly responseHeaders: Record<string, string>;
  /** Called when response headers arrive: a fetch Response's, or node:http's (already lower-case). */
  markHeaders(headers: Headers | IncomingHttpHeaders): void;
  /** Stops the first-token timer. */
  markFirstToken(): void;
  /** Ends the call with a timeout (used by the connect timer of the guarded fetch). */
  timeOut(phase: 'connect' | 'first-token' | 'total', timeoutMs: number): void;
  /** Rejects as soon as the call is stopped, so no await can outlive a timeout. */
  race<T>(promise: PromiseLike<T>): Promise<T>;
  /** The response was read to its end: dispose() then leaves the connection open for reuse. */
  markComplete(): void;
  /** Clears timers and aborts anything still open. Safe to call twice. */
  dispose(): void;
};

/**
 * Starts the timers of one call. `totalMs` always applies; `firstTokenMs` only to streams (a
 * non-streaming answer has no first token to wait for).
 */
export function createCallGuard(options: {
  timeouts: CallTimeouts;
  signal?: AbortSignal;
  streaming: boolean;
  provider: string;
  model: string;
}): CallGuard {
  const controller = new AbortController();
  let stopReason: unknown;
  let headersReceived = false;
  let requestSent = false;
  let complete = false;
  let headers: Headers | IncomingHttpHeaders | undefined;
  let responseHeaders: Record<string, string> | undefined;
  const timers: NodeJS.Timeout[] = [];

  const stop = (reason: unknown) => {
    if (controller.signal.aborted) return;
    stopReason = reason;
    controller.abort(reason);
    for (const timer of timers) clearTimeout(timer);
  };
  const timeOut = (phase: 'connect' | 'first-token' | 'total', timeoutMs: number) =>
    stop(new TimeoutError(phase, timeoutMs, { provider: options.provider, model: options.model }));

  const onCallerAbort = () => stop(options.signal?.reason);
  if (options.signal?.aborted) onCallerAbort();
  else options.signal?.addEventListener('abort', onCallerAbort, { once: true });

  timers.push(setTimeout(() => timeOut('total', options.timeouts.totalMs), options.timeouts.totalMs));
  const firstTokenTimer = options.streaming
    ? setTimeout(() => timeOut('first-token', options.timeouts.firstTokenMs), options.timeouts.firstTokenMs)
    : undefined;
  if (firstTokenTimer) timers.push(firstTokenTimer);

  const stopped = new Promise<never>((_resolve, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  // Nobody may be racing when the call is stopped; that rejection is not an unhandled one.
  stopped.catch(() => {});

  return {
    signal: controller.signal,
    stopReason: () => stopReason,
    get requestSent() {
      return requestSent;
    },
    markRequestSent() {
      requestSent = true;
    },
    get headersReceived() {
      return headersReceived;
    },
    get responseHeaders() {
      // Built when asked (an error needing Retry-After), not on every response.
      responseHeaders ??= flattenHeaders(headers);
      return responseHeaders;
    },
    markHeaders(received) {
      headersReceived = true;
      headers = received;
      responseHeaders = undefined;
    },
    markFirstToken() {
      clearTimeout(firstTokenTimer);
    },
    markComplete() {
      complete = true;
    },
    timeOut,
    race: (promise) => Promise.race([promise, stopped]),
    dispose() {
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
      // Releases the connection of a stream the consumer stopped reading; not a stop reason. A
      // response read to its end is left alone: aborting it would close a keep-alive connection
      // that the next call could reuse (measured: 2.5x the throughput at 64 concurrent).
      if (!complete && !controller.signal.aborted) controller.abort();
    },
  };
}
