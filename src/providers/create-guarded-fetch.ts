import type { CallGuard } from './call-guard.ts';

/**
 * Wraps `fetch` for one call: every request follows the guard's signal (the `ollama` package sends
 * none for non-streaming calls), and when `connectMs` is given, a response whose headers do not
 * arrive in time ends the call with a connect timeout.
 */
export function createGuardedFetch(
  baseFetch: typeof fetch,
  guard: CallGuard,
  connectMs?: number,
): typeof fetch {
  return async (input, init) => {
    // The AI SDK hands fetch the guard's own signal: no composite signal needed then.
    const signal =
      !init?.signal || init.signal === guard.signal
        ? guard.signal
        : AbortSignal.any([init.signal, guard.signal]);
    const timer =
      connectMs === undefined ? undefined : setTimeout(() => guard.timeOut('connect', connectMs), connectMs);
    try {
      guard.markRequestSent();
      const response = await baseFetch(input, { ...init, signal });
      guard.markHeaders(response.headers);
      return response;
    } finally {
      clearTimeout(timer);
    }
  };
}
