import type { ProviderConfig } from '../contracts/pyramid-config.ts';

/** The cheapest authenticated call of each protocol: listing models. */
export function probeRequest(provider: ProviderConfig): { url: string; headers: Record<string, string> } {
  const base = provider.baseUrl.replace(/\/+$/, '');
  const key = provider.apiKey;
  switch (provider.api) {
    case 'openai-completions':
      return {
        url: `${base}/models`,
        headers: { ...provider.headers, ...(key ? { authorization: `Bearer ${key}` } : {}) },
      };
    case 'anthropic-messages':
      return {
        url: `${base}/models`,
        headers: {
          ...provider.headers,
          'anthropic-version': '2023-06-01',
          ...(key ? { 'x-api-key': key } : {}),
        },
      };
    case 'google-generative-ai':
      return {
        url: `${base}/models`,
        headers: { ...provider.headers, ...(key ? { 'x-goog-api-key': key } : {}) },
      };
    case 'ollama':
      return {
        url: `${base}/api/tags`,
        headers: { ...provider.headers, ...(key ? { authorization: `Bearer ${key}` } : {}) },
      };
  }
}
