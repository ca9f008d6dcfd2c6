import type { ProviderConfig } from '../contracts/pyramid-config.ts';

/**
 * What must never appear in an error message about a provider: its key and every header value it
 * sends (headers may carry `env:` secrets: an organisation key, a proxy token). scrubSecrets skips
 * values too short to be secrets.
 */
export function providerSecrets(provider: Pick<ProviderConfig, 'apiKey' | 'headers'>): readonly string[] {
  return [provider.apiKey, ...Object.values(provider.headers ?? {})].filter(
    (value): value is string => typeof value === 'string' && value !== '',
  );
}
