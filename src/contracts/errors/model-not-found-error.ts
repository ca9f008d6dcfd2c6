import { ProviderError, type ProviderErrorOptions } from './provider-error.ts';

/** The provider does not know the model id (404). */
export class ModelNotFoundError extends ProviderError {
  constructor(message: string, options: ProviderErrorOptions) {
    super('model_not_found', message, false, options);
  }
}
