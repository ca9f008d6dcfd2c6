import type { ModelConfig, ProviderApi, ProviderConfig } from '../../src/contracts/pyramid-config.ts';

/** Defaults generous enough for tests; override `timeouts` to test them. */
export const testTimeouts = { connectMs: 2_000, firstTokenMs: 2_000, totalMs: 5_000 };

/** A ProviderConfig pointing at a fake (anything with `api` and `baseUrl`), so tests need no YAML. */
export function fakeProviderConfig(
  fake: { api: ProviderApi; baseUrl: string },
  overrides: Partial<ProviderConfig> = {},
): ProviderConfig {
  return {
    name: `fake-${fake.api}`,
    api: fake.api,
    baseUrl: fake.baseUrl,
    apiKey: 'test-secret-key-0123456789',
    headers: {},
    timeouts: testTimeouts,
    ...overrides,
  };
}

/** A ModelConfig for the fake's default model, belonging to `provider`. */
export function fakeModelConfig(provider: ProviderConfig, overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    name: 'fake-model',
    provider: provider.name,
    id: 'fake-model',
    reasoning: false,
    minOutputTokens: 1024,
    cost: { input: 1, output: 2, cacheRead: 0.1 },
    ...overrides,
  };
}
