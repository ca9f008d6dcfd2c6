import { ProviderError, type ProviderErrorOptions } from './provider-error.ts';

/** The provider rejected the request itself (400, 422). */
export class BadRequestError extends ProviderError {
  constructor(message: string, options: ProviderErrorOptions) {
    super('bad_request', message, false, options);
  }
}
