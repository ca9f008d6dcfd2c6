import { ProviderError, type ProviderErrorOptions } from './provider-error.ts';

/** The prompt does not fit the model's context window. */
export class ContextTooLongError extends ProviderError {
  constructor(message: string, options: ProviderErrorOptions) {
    super('context_too_long', message, false, options);
  }
}
