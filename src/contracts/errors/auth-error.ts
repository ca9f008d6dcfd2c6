import { ProviderError, type ProviderErrorOptions } from './provider-error.ts';

/** The provider refused the credentials (401, 403). */
export class AuthError extends ProviderError {
  constructor(message: string, options: ProviderErrorOptions) {
    super('auth', message, false, options);
  }
}
