import { ProviderError, type ProviderErrorOptions } from './provider-error.ts';

/** The provider answered 5xx (or 408/409). */
export class ServerError extends ProviderError {
  constructor(message: string, options: ProviderErrorOptions) {
    super('server_error', message, true, options);
  }
}
