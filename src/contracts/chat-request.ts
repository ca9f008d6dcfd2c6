import type { CallParameters } from './call-parameters.ts';
import type { ChatMessage, ResponseFormat, ToolDefinition } from './message.ts';
import type { ReasoningLevel } from './model-call.ts';
import type { CallerKind, FailoverPolicy } from './pyramid-config.ts';

/** What a caller (gateway, agent runner, CLI) asks the router. Callers never pick models. */
export type ChatRequest = {
  /** Task type, mapped to a minimum tier in config; unknown types fall back to `default`. */
  task?: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  responseFormat?: ResponseFormat;
  tools?: ToolDefinition[];
  /** Tool choice, stop sequences, sampling parameters: passed on where the answering protocol can express them. */
  parameters?: CallParameters;
  /** Skip candidates that cannot express every parameter (a note each), rather than drop the parameter. */
  strictParameters?: boolean;
  /** Start at this tier instead of the task's (`tier:<n>`). */
  startTier?: number;
  /** Pin one configured model: failover only within its tier, no escalation. */
  model?: string;
  /** Never go above this tier (defaults to the task's, then the router's `maxTier`). */
  maxTier?: number;
  /** Overrides the task's reasoning level. */
  reasoning?: ReasoningLevel;
  /**
   * Hand the answering model's reasoning to the caller: `reasoning-delta` stream events and
   * `ChatResult.reasoning` (Anthropic's thinking blocks). Off, reasoning never leaves the router.
   */
  includeReasoning?: boolean;
  /** Who asked (agent id, token name): budgets and ledger aggregations use it. */
  callerTag?: string;
  /**
   * `scheduled`: an agent run, nobody is waiting (the agent runner sets it). `gateway` (the default): an
   * HTTP or CLI caller waiting for the answer. Picks the `router.failover` defaults.
   */
  callerKind?: CallerKind;
  /** The agent whose run makes this call (the agent runner sets it): its `spendCap` holds on the call. */
  agentId?: string;
  /** Failover overrides for this request (an agent's `failover:`), over the task's and the caller kind's. */
  failover?: FailoverPolicy;
  /** The caller judged an earlier answer inadequate: start above `fromTier`, recording `reason`. */
  escalation?: { fromTier: number; reason: string };
  requestId?: string;
  signal?: AbortSignal;
};
