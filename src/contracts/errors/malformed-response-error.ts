import { ProviderError, type ProviderErrorOptions } from './provider-error.ts';

/** The provider answered something that is not its protocol (bad JSON, a stream cut before its end). */
export class MalformedResponseError extends ProviderError {
  constructor(message: string, options: ProviderErrorOptions) {
    super('malformed_response', message, true, options);
  }
}
