import { ProviderError, type ProviderErrorOptions } from './provider-error.ts';

/** The provider answered 429; `retryAfterMs` comes from `Retry-After` when it was sent. */
export class RateLimitedError extends ProviderError {
  readonly retryAfterMs?: number;
  constructor(message: string, options: ProviderErrorOptions & { retryAfterMs?: number }) {
    super('rate_limited', message, true, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}
