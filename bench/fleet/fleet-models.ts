// The four models of the seed's pyramid: list prices (USD per 1M tokens) and how fast each answers.
import type { ProviderApi } from '../../src/contracts/pyramid-config.ts';

export type FleetModel = {
  name: string;
  tier: number;
  /** The provider's name in the config, its wire protocol and the vendor's model id. */
  provider: string;
  api: ProviderApi;
  id: string;
  cost: { input: number; output: number; cacheRead: number };
  /** Time to first token: a fixed part plus prompt processing (input tokens per second). */
  ttftMs: number;
  promptTokensPerSecond: number;
  /** Generation speed, thinking included. */
  tokensPerSecond: number;
  /** Thinks by default (Gemini 2.5 Flash) unless asked not to: tokens of thinking per call then. */
  thinksByDefault?: number;
  reasoning: boolean;
};

/** qwen3:14b on a local GPU, Gemini 2.5 Flash, DeepSeek V3 (deepseek-chat) and Claude Opus, at list prices. */
export const fleetModels: FleetModel[] = [
  {
    name: 'qwen3-14b',
    tier: 0,
    provider: 'ollama',
    api: 'ollama',
    id: 'qwen3:14b',
    cost: { input: 0, output: 0, cacheRead: 0 },
    ttftMs: 150,
    promptTokensPerSecond: 3000,
    tokensPerSecond: 45,
    reasoning: true,
  },
  {
    name: 'gemini-2.5-flash',
    tier: 1,
    provider: 'gemini',
    api: 'google-generative-ai',
    id: 'gemini-2.5-flash',
    cost: { input: 0.3, output: 2.5, cacheRead: 0.075 },
    ttftMs: 350,
    promptTokensPerSecond: 20_000,
    tokensPerSecond: 250,
    thinksByDefault: 200,
    reasoning: true,
  },
  {
    name: 'deepseek-v3',
    tier: 2,
    provider: 'deepseek',
    api: 'openai-completions',
    id: 'deepseek-chat',
    cost: { input: 0.27, output: 1.1, cacheRead: 0.07 },
    ttftMs: 1200,
    promptTokensPerSecond: 10_000,
    tokensPerSecond: 30,
    reasoning: false,
  },
  {
    name: 'claude-opus',
    tier: 3,
    provider: 'anthropic',
    api: 'anthropic-messages',
    id: 'claude-opus-4-1',
    cost: { input: 15, output: 75, cacheRead: 1.5 },
    ttftMs: 1500,
    promptTokensPerSecond: 10_000,
    tokensPerSecond: 40,
    reasoning: false,
  },
];

/** USD for tokens on a model (no cached input in this fleet; reasoning billed as output). */
export const priceOn = (model: FleetModel, input: number, output: number): number =>
  (input * model.cost.input + output * model.cost.output) / 1e6;
