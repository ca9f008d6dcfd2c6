import type { ChatRequest } from '../contracts/chat-request.ts';
import {
  type CallerKind,
  defaultFailover,
  type FailoverPolicy,
  type ModelConfig,
  type PyramidConfig,
} from '../contracts/pyramid-config.ts';
import type { PlanEntry } from '../contracts/trace.ts';

/** The failover policy of one request, every level merged. */
export type ResolvedFailover = {
  callerKind: CallerKind;
  maxWaitMs: number;
  maxClimb?: number;
  maxPrice?: number;
};

function defined(policy: FailoverPolicy | undefined): FailoverPolicy {
  if (!policy) return {};
  return Object.fromEntries(Object.entries(policy).filter(([, value]) => value !== undefined));
}

/**
 * `router.failover` for the caller kind (a request that does not say is a `gateway` caller), then the
 * task's `failover`, then the request's own (an agent's), each field overriding the one before.
 */
export function resolveFailover(
  config: PyramidConfig,
  resolvedTask: string,
  request: ChatRequest,
): ResolvedFailover {
  const callerKind = request.callerKind ?? 'gateway';
  const merged = {
    ...defined((config.router.failover ?? defaultFailover)[callerKind]),
    ...defined(config.tasks[resolvedTask]?.failover),
    ...defined(request.failover),
  };
  return { ...merged, callerKind, maxWaitMs: merged.maxWaitMs ?? 0 };
}

/** Why a provider failure may not move the request from `fromTier` to `candidate`; undefined when it may. */
export function climbRefusal(
  policy: ResolvedFailover,
  fromTier: number,
  candidate: PlanEntry,
  model: ModelConfig,
): { reason: 'max_climb' | 'max_price'; detail: string } | undefined {
  const climb = candidate.tier - fromTier;
  if (policy.maxClimb !== undefined && climb > policy.maxClimb) {
    return {
      reason: 'max_climb',
      detail: `a provider failure may move this request at most ${policy.maxClimb} tier${policy.maxClimb === 1 ? '' : 's'} above tier ${fromTier} (failover.maxClimb), and ${candidate.model} is on tier ${candidate.tier}`,
    };
  }
  if (policy.maxPrice !== undefined && model.cost.output > policy.maxPrice) {
    return {
      reason: 'max_price',
      detail: `${candidate.model} costs $${model.cost.output} per million output tokens, above failover.maxPrice ($${policy.maxPrice})`,
    };
  }
  return undefined;
}
