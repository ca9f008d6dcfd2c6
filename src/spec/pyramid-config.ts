import type { CallTimeouts, ReasoningLevel } from './model-call.ts';

export const providerApis = [
  'openai-completions',
  'anthropic-messages',
  'google-generative-ai',
  'ollama',
] as const;
export type ProviderApi = (typeof providerApis)[number];

/** USD per million tokens. */
export type ModelCost = { input: number; output: number; cacheRead: number };

export type ProviderConfig = {
  name: string;
  api: ProviderApi;
  baseUrl: string;
  /** The resolved secret; undefined when none is configured or its `env:` variable is unset. */
  apiKey?: string;
  /** Why the provider cannot be used (for example `env:DEEPSEEK_API_KEY is not set`); undefined when usable. */
  unavailableReason?: string;
  headers: Record<string, string>;
  timeouts: CallTimeouts;
};

export type ModelConfig = {
  /** The name used in config, tiers and traces (`qwen3-14b`). */
  name: string;
  provider: string;
  /** The provider's own id (`qwen3:14b`). */
  id: string;
  reasoning: boolean;
  /** The floor for max tokens on a reasoning model (default 1024). */
  minOutputTokens: number;
  /** Max output tokens when the caller gives none. */
  maxTokens?: number;
  contextWindow?: number;
  cost: ModelCost;
};

export type TaskConfig = { name: string; tier: number; reasoning?: ReasoningLevel; maxTier?: number };

export type BreakerConfig = {
  /** Retryable failures in a row that open the breaker (unreachable opens it at once). */
  failureThreshold: number;
  cooldownMs: number;
  maxCooldownMs: number;
};

export type BudgetConfig = {
  /** Daily USD cap over all callers; undefined for none. */
  dailyUsd?: number;
  /** Daily USD caps per caller tag (agent or token name). */
  perTag: Record<string, number>;
  /** At the cap: `refuse` every request, or `cap-tier` to allow only tiers up to `capTier`. */
  onExceeded: 'refuse' | 'cap-tier';
  capTier: number;
};

/** The loaded, validated and resolved config. The YAML shape is documented in docs/config.md. */
export type PyramidConfig = {
  providers: Record<string, ProviderConfig>;
  models: Record<string, ModelConfig>;
  /** tiers[n] lists model names in failover order. */
  tiers: string[][];
  tasks: Record<string, TaskConfig>;
  router: { maxTier: number; breaker: BreakerConfig };
  budgets?: BudgetConfig;
};
