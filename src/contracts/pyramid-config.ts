import type { AlertsConfig, ChannelConfig, DeliveryTarget } from './delivery.ts';
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
  /**
   * The chat template writes `<think>` into the prompt, so answers hold only `</think>`: the text before
   * it is reasoning (streamed too; a whole answer shows it for itself). Absent means false.
   */
  templateOpensThink?: boolean;
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
  /** Optional in the type (defaults are filled by the config loader). */
  concurrency?: ConcurrencyConfig;
  agents?: Record<string, AgentConfig>;
  jobs?: Record<string, JobConfig>;
  /** The HTTP gateway (`pyramid start`); the loader always fills it, with defaults. */
  gateway?: GatewayConfig;
  /** Delivery channels by name; absent when none are configured. */
  channels?: Record<string, ChannelConfig>;
  /** Operational alerts; the loader always fills it (no targets: no alerts). */
  alerts?: AlertsConfig;
  /** How long finished history is kept; the loader always fills it, with defaults. */
  retention?: RetentionConfig;
  /** Where everything is kept; the loader always fills it (default: SQLite in PYRAMID_HOME). */
  store?: StoreConfig;
};

/**
 * `sqlite`: pyramid.db in PYRAMID_HOME, for one process on one machine. `postgres`: a PostgreSQL
 * database that several `pyramid start` processes share as one platform. `url` is resolved (it may
 * hold a password: never log it); when its `env:` variable is unset, `unavailableReason` says so.
 */
export type StoreConfig =
  | { kind: 'sqlite' }
  | {
      kind: 'postgres';
      url?: string;
      unavailableReason?: string;
      poolMax: number;
      /** How long a process holds a run without renewing it: a dead process's runs are retried after it. */
      leaseMs: number;
    };

/**
 * How long finished history is kept, in ms; undefined keeps it forever. Only finished things are ever
 * pruned: queued and running runs, pending deliveries and main sessions are not.
 */
export type RetentionConfig = {
  /** Isolated and subagent session transcripts, by when the session began. */
  transcriptsMs?: number;
  /** Finished runs, by when they were queued. */
  runsMs?: number;
  /** Delivered and failed deliveries (with their chunks), by when they were created. */
  deliveriesMs?: number;
  /** Ledger requests and their attempts, by when they started. */
  ledgerMs?: number;
  /** How often `pyramid start` prunes. */
  everyMs: number;
};

/** How many agent runs and subagent tasks may run at once (subagents never take agent slots). */
export type ConcurrencyConfig = { agents: number; subagents: number };

/** The built-in tools an agent may be given. */
export const agentToolNames = ['spawn_subagents', 'escalate', 'remember', 'recall', 'http_get'] as const;
export type AgentToolName = (typeof agentToolNames)[number];

export type AgentConfig = {
  id: string;
  description?: string;
  /** The system prompt. */
  prompt: string;
  /** The task type: its minimum tier comes from `tasks`. */
  task: string;
  maxTier?: number;
  tools: AgentToolName[];
  /** Keeps a persistent `agent:<id>:main` session. */
  mainSession: boolean;
  /** Token limit of the main session's context; the oldest turns are dropped past it. */
  mainSessionTokens: number;
  /** Model calls per turn, tool steps included. */
  maxSteps: number;
  /** Hosts `http_get` may reach (the tool is off unless listed in `tools`). */
  httpAllowedHosts: string[];
  /** USD per UTC day for this agent's runs; undefined for none. */
  spendCapUsd?: number;
  /** Default delivery targets of its jobs. */
  deliver: DeliveryTarget[];
};

export type JobSchedule =
  | { kind: 'cron'; cron: string; tz?: string }
  | { kind: 'every'; everyMs: number }
  | { kind: 'at'; atMs: number };

export type JobPayload = { kind: 'agentTurn'; message: string } | { kind: 'systemEvent'; text: string };

export type JobConfig = {
  id: string;
  agent: string;
  schedule: JobSchedule;
  payload: JobPayload;
  session: 'isolated' | 'main';
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  overlap: 'skip' | 'queue';
  catchUp: 'once' | 'skip';
  enabled: boolean;
  /** Where a run's output goes; empty: the agent's targets. */
  deliver: DeliveryTarget[];
};

export const gatewayScopes = ['admin', 'client'] as const;
/** `client`: the OpenAI-compatible API (/v1). `admin`: everything (/api, /metrics and /v1). */
export type GatewayScope = (typeof gatewayScopes)[number];

export type GatewayToken = {
  name: string;
  scopes: GatewayScope[];
  /** The resolved secret; undefined when its `env:` variable is unset (the token then matches nothing). */
  token?: string;
  unavailableReason?: string;
};

export type GatewayConfig = {
  port: number;
  bind: string;
  bodyLimitBytes: number;
  /** How long in-flight requests may take to finish on SIGTERM/SIGINT. */
  drainMs: number;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  auth: {
    enabled: boolean;
    tokens: GatewayToken[];
    /** Failed authentications from one address within `windowMs` before it is answered 429. */
    throttle: { maxFailures: number; windowMs: number };
  };
};
