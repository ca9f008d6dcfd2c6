import { ProviderError, type ProviderErrorOptions } from './provider-error.ts';

/** The provider could not be reached: connection refused or reset, DNS, TLS. Opens the breaker at once. */
export class UnreachableError extends ProviderError {
  constructor(message: string, options: ProviderErrorOptions) {
    super('unreachable', message, true, options);
  }
}
