import { PyramidError } from './pyramid-error.ts';

/** Codes a channel failure carries; `permanent` ones stop retrying. */
export type DeliveryErrorCode =
  | 'delivery_rate_limited'
  | 'delivery_unreachable'
  | 'delivery_server_error'
  | 'delivery_rejected'
  | 'delivery_unauthorized'
  | 'delivery_forbidden'
  | 'delivery_not_found'
  | 'delivery_unavailable'
  | 'delivery_failed';

/**
 * A channel could not take a message. `permanent` failures (chat not found, bot blocked, invalid token)
 * are not retried; transient ones are, after `retryAfterMs` when the channel asked for a pause.
 * Messages never contain secrets (bot tokens are scrubbed).
 */
export class DeliveryError extends PyramidError {
  declare readonly code: DeliveryErrorCode;
  readonly permanent: boolean;
  readonly retryAfterMs?: number;
  /** The HTTP status or API error code the channel answered with, when it answered. */
  readonly status?: number;
  constructor(
    code: DeliveryErrorCode,
    message: string,
    options: { permanent: boolean; retryAfterMs?: number; status?: number; cause?: unknown },
  ) {
    super(code, message, { cause: options.cause });
    this.permanent = options.permanent;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}
