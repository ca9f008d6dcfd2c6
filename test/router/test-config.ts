import type { ModelConfig, ProviderConfig, PyramidConfig } from '../../src/contracts/pyramid-config.ts';
import type { RequestLedger, RequestRecord } from '../../src/contracts/request-ledger.ts';
import type { Attempt } from '../../src/contracts/trace.ts';

const timeouts = { connectMs: 1000, firstTokenMs: 1000, totalMs: 5000 };

function provider(name: string, unavailableReason?: string): ProviderConfig {
  return {
    name,
    api: 'openai-completions',
    baseUrl: 'http://127.0.0.1:9',
    headers: {},
    timeouts,
    unavailableReason,
  };
}

function model(name: string, providerName: string, extra: Partial<ModelConfig> = {}): ModelConfig {
  return {
    name,
    provider: providerName,
    id: name,
    reasoning: false,
    minOutputTokens: 1024,
    cost: { input: 1, output: 2, cacheRead: 0.5 },
    ...extra,
  };
}

/** The seed's pyramid with a second tier-0 model, prices of 1/2 USD per million for easy sums. */
export function testConfig(overrides: Partial<PyramidConfig> = {}): PyramidConfig {
  return {
    providers: {
      local: provider('local'),
      local2: provider('local2'),
      cloud: provider('cloud'),
      big: provider('big'),
      frontier: provider('frontier'),
    },
    models: {
      qwen: model('qwen', 'local', { reasoning: true, cost: { input: 0, output: 0, cacheRead: 0 } }),
      llama: model('llama', 'local2', { cost: { input: 0, output: 0, cacheRead: 0 } }),
      flash: model('flash', 'cloud'),
      deepseek: model('deepseek', 'big'),
      opus: model('opus', 'frontier', { cost: { input: 15, output: 75, cacheRead: 1.5 } }),
    },
    tiers: [['qwen', 'llama'], ['flash'], ['deepseek'], ['opus']],
    tasks: {
      default: { name: 'default', tier: 0 },
      classify: { name: 'classify', tier: 0, reasoning: 'off' },
      summarize: { name: 'summarize', tier: 1 },
      research: { name: 'research', tier: 2 },
      strategy: { name: 'strategy', tier: 3 },
    },
    router: { maxTier: 3, breaker: { failureThreshold: 3, cooldownMs: 5000, maxCooldownMs: 60_000 } },
    ...overrides,
  };
}

export { provider as testProvider };

/** A ledger that keeps rows in memory, to see what the router recorded and when. */
export class MemoryLedger implements RequestLedger {
  readonly rows: Array<{ request: RequestRecord; attempts: Attempt[] }> = [];
  record(request: RequestRecord, attempts: Attempt[]): void {
    this.rows.push({ request, attempts: structuredClone(attempts) });
  }
  spentSince(sinceMs: number, callerTag?: string): number {
    return this.rows
      .filter(
        (row) =>
          row.request.startedAt >= sinceMs &&
          (callerTag === undefined || row.request.callerTag === callerTag),
      )
      .reduce((sum, row) => sum + row.request.costUsd, 0);
  }
}
