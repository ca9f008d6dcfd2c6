import { PyramidError } from '../contracts/errors/pyramid-error.ts';

/** OpenAI's error `type` values that Pyramid answers with. */
export type OpenAiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'api_error';

/**
 * A request the gateway answers with an HTTP error and an OpenAI-style body
 * `{ error: { message, type, code, param } }`. `code` is stable and safe to branch on.
 */
export class GatewayHttpError extends PyramidError {
  readonly status: number;
  readonly type: OpenAiErrorType;
  /** The request field at fault (`messages[0].content`), when one is. */
  readonly param?: string;
  readonly headers: Record<string, string>;
  /** Extra fields for the error body (the attempts of a request that failed everywhere). */
  readonly details: Record<string, unknown>;
  constructor(
    status: number,
    type: OpenAiErrorType,
    code: string,
    message: string,
    options: {
      param?: string;
      headers?: Record<string, string>;
      details?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.status = status;
    this.type = type;
    this.param = options.param;
    this.headers = options.headers ?? {};
    this.details = options.details ?? {};
  }

  /** The OpenAI-style JSON body. */
  body(): { error: Record<string, unknown> } {
    return {
      error: {
        message: this.message,
        type: this.type,
        code: this.code,
        param: this.param ?? null,
        ...this.details,
      },
    };
  }
}
