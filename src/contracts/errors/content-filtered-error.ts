import { ProviderError, type ProviderErrorOptions } from './provider-error.ts';

/** The provider refused to answer for content policy reasons. */
export class ContentFilteredError extends ProviderError {
  constructor(message: string, options: ProviderErrorOptions) {
    super('content_filtered', message, false, options);
  }
}
