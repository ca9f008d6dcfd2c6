import { PyramidError } from './pyramid-error.ts';

/**
 * Pyramid itself failed (building a request for a provider, a stack overflow, a bug in an adapter's
 * translation), not the provider: answered as a 500, never counted against a model's breaker, and never
 * a reason to try another model. `code` is `internal_error`.
 */
export class InternalError extends PyramidError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal_error', message, options);
  }
}
