import type { AlertsConfig, ChannelConfig, DeliveryTarget } from './delivery.ts';
import type { ResponseFormat } from './message.ts';
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
  /** The unset environment variables its secrets name (`DEEPSEEK_API_KEY`), when there are some. */
  missingEnv?: string[];
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
  /**
   * How structured output reaches the model: `native` sends the JSON Schema the protocol's way
   * (absent means native), `json` asks only for JSON (for servers that reject schemas), `none` sends
   * neither. Pyramid checks the answer against the schema in every case.
   */
  structuredOutput?: StructuredOutputMode;
  /** What the model takes besides text: `['text', 'image']` for a vision model. Absent means text only. */
  input?: ModelInput[];
  cost: ModelCost;
};

export const modelInputs = ['text', 'image'] as const;
export type ModelInput = (typeof modelInputs)[number];

/** Whether a model's config declares image input. */
export const takesImages = (model: Pick<ModelConfig, 'input'>): boolean =>
  model.input?.includes('image') === true;

export const structuredOutputModes = ['native', 'json', 'none'] as const;
export type StructuredOutputMode = (typeof structuredOutputModes)[number];

export type TaskConfig = {
  name: string;
  tier: number;
  reasoning?: ReasoningLevel;
  maxTier?: number;
  /** Overrides of `router.failover` for this task's requests. */
  failover?: FailoverPolicy;
};

/** Who is waiting for a request: an agent run (`scheduled`) or an HTTP or CLI caller (`gateway`). */
export type CallerKind = 'scheduled' | 'gateway';

/**
 * How far a provider failure (not an inadequate answer) may move a request. Every field optional: an
 * override names only what it changes. Undefined `maxClimb` and `maxPrice` mean no cap.
 */
export type FailoverPolicy = {
  /** Total time one request may wait for a rate-limited or briefly failing model instead of climbing a tier. */
  maxWaitMs?: number;
  /** Tiers a provider failure may push the request above the tier it is at (0: never climb). */
  maxClimb?: number;
  /** The highest output price (USD per million tokens) a provider failure may push the request to. */
  maxPrice?: number;
};

/** `router.failover`: a policy per caller kind. */
export type FailoverConfig = Record<CallerKind, FailoverPolicy>;

/** Scheduled runs wait up to 30 s for a Retry-After rather than climb; a caller waiting on an answer does not wait. */
export const defaultFailover: FailoverConfig = {
  scheduled: { maxWaitMs: 30_000 },
  gateway: { maxWaitMs: 0 },
};

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
  /** Embedding models (names in `models`) in failover order, for /v1/embeddings; absent or empty: none. */
  embeddings?: string[];
  /**
   * Names clients are hard-wired to (`gpt-4o`, `claude-*`) -> what the gateway's model field takes
   * (`auto`, `task:<type>`, `tier:<n>`, a model). Exact names win over wildcards, longer wildcards over shorter.
   */
  aliases?: Record<string, string>;
  tasks: Record<string, TaskConfig>;
  router: { maxTier: number; breaker: BreakerConfig; failover?: FailoverConfig };
  budgets?: BudgetConfig;
  /** Optional in the type (defaults are filled by the config loader). */
  concurrency?: ConcurrencyConfig;
  /** Limits on schedules; the loader always fills it. */
  scheduler?: SchedulerConfig;
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
  /** `watch`: a running `pyramid start` reloads when the file changes; the loader fills `manual`. */
  reload?: ReloadMode;
  /** Where everything is kept; the loader always fills it (default: SQLite in PYRAMID_HOME). */
  store?: StoreConfig;
  /** The share band each tier should answer, in percent (position = tier); the loader fills the seed's. */
  targets?: TierTarget[];
};

/** How a running `pyramid start` takes a changed config file: on SIGHUP and the API only, or also on a change. */
export type ReloadMode = 'manual' | 'watch';

/** A tier's target share of requests, in percent. */
export type TierTarget = { min: number; max: number };

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
  /** Stored Responses API responses, by when they were created. */
  responsesMs?: number;
  /** How often `pyramid start` prunes. */
  everyMs: number;
};

/** Limits on schedules, checked wherever a job is defined (the file, the CLI, the HTTP API). */
export type SchedulerConfig = {
  /** No `every` shorter, and no cron firing more often (default 10 s). */
  minIntervalMs: number;
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
  /** Hosts `http_get` may reach, `host` (ports 80, 443) or `host:port` (the tool is off unless listed in `tools`). */
  httpAllowedHosts: string[];
  /** `http_get` may reach loopback, private, link-local and other non-public addresses (default false). */
  httpAllowPrivateAddresses: boolean;
  /** Tool calls of one model answer that run (the rest are answered "not run"). */
  maxToolCalls: number;
  /** USD per UTC day for this agent's runs; undefined for none. */
  spendCapUsd?: number;
  /** The format of its final answers (a job's own wins); undefined is text. */
  output?: ResponseFormat;
  /** Overrides of `router.failover` (its `scheduled` policy) and of its task's for this agent's calls. */
  failover?: FailoverPolicy;
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
  /** The format of the run's final answer, over the agent's; undefined: the agent's. */
  output?: ResponseFormat;
};

/** admin: everything; client: /v1 (the model API); viewer: reading /api and the dashboard, no actions. */
export const gatewayScopes = ['admin', 'client', 'viewer'] as const;
/** `client`: the OpenAI-compatible API (/v1). `admin`: everything (/api, /metrics and /v1). */
export type GatewayScope = (typeof gatewayScopes)[number];

export type GatewayToken = {
  name: string;
  scopes: GatewayScope[];
  /** The resolved secret; undefined when its `env:` variable is unset (the token then matches nothing). */
  token?: string;
  unavailableReason?: string;
};

/** Bounds on what a client may send in one JSON body, checked before any route sees it. */
export type GatewayLimits = {
  /** How deeply objects and arrays may nest. */
  depth: number;
  /** Items in one array, or keys in one object. */
  items: number;
  /** Characters (UTF-16 code units) in one string, keys included. */
  stringLength: number;
  /** Messages in one chat request. */
  messages: number;
  /** Tools in one chat request. */
  tools: number;
};

/** How long a connection may take and how many may be open at once. */
export type GatewayConnections = {
  /** Open connections at most; past it the least recently used idle one is closed for a new one. */
  max: number;
  /** From the connection (or the end of the last response) until the request's headers are in. */
  headersTimeoutMs: number;
  /** From the headers until the whole body is in. */
  bodyTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open. */
  idleTimeoutMs: number;
};

export type GatewayConfig = {
  port: number;
  bind: string;
  bodyLimitBytes: number;
  limits: GatewayLimits;
  connections: GatewayConnections;
  /**
   * Host names (optionally `name:port`) a request's Host and Origin may carry besides the gateway's
   * own (loopback names and the bind address on its port). `*` allows any.
   */
  allowedHosts: string[];
  /** How long in-flight requests may take to finish on SIGTERM/SIGINT. */
  drainMs: number;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  /**
   * A request parameter the answering protocol cannot express: false drops it with a trace note and
   * an `x-pyramid-dropped-params` header; true skips such models, and answers 400 when none is left.
   */
  strictParams: boolean;
  auth: {
    enabled: boolean;
    tokens: GatewayToken[];
    /** Failed authentications from one address within `windowMs` before it is answered 429. */
    throttle: { maxFailures: number; windowMs: number };
  };
};
