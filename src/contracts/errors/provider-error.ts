import { PyramidError } from './pyramid-error.ts';

export type ProviderErrorOptions = {
  provider: string;
  model?: string;
  statusCode?: number;
  cause?: unknown;
};

/**
 * A failed call to a model provider. Subclasses say what kind of failure it was; the router branches
 * on the class (or `code`) and `retryable`, never on the message.
 */
export class ProviderError extends PyramidError {
  readonly provider: string;
  readonly model?: string;
  readonly statusCode?: number;
  /** Whether the same call may succeed later (408, 409, 429, 5xx, network); drives the breaker. */
  readonly retryable: boolean;
  constructor(code: string, message: string, retryable: boolean, options: ProviderErrorOptions) {
    super(code, message, { cause: options.cause });
    this.provider = options.provider;
    this.model = options.model;
    this.statusCode = options.statusCode;
    this.retryable = retryable;
  }
}
