import { calculateCost } from '../contracts/calculate-cost.ts';
import { embeddingsTask } from '../contracts/embedding.ts';
import type { ModelConfig, PyramidConfig } from '../contracts/pyramid-config.ts';
import type { RequestRecord } from '../contracts/request-ledger.ts';
import type { Attempt } from '../contracts/trace.ts';
import { findAnsweringAttempt } from './find-answering-attempt.ts';

/** A request's cloud-only counterfactual, and how it splits over the request's attempts. */
export type CloudOnlyCost = {
  costUsd: number;
  /** The index of the attempt whose answer the request returned; -1 when none did. */
  answeredIndex: number;
  /** One share per attempt; the shares sum to `costUsd` (given the router's cost is the sum of its attempts'). */
  perAttempt: number[];
};

/**
 * What the request would have cost if tier 0 did not exist (the rules are in README.md):
 * - answered: the answering attempt's tokens priced on the FIRST model of tier max(answered tier, 1),
 *   the whole amount on the answering attempt and 0 on the others;
 * - failed, or the config has one tier, or it no longer knows that tier or its first model, or an
 *   embedding request (no tier; its models are not the pyramid's): the actual cost, each attempt
 *   carrying its own cost.
 */
export function cloudOnlyCost(
  config: Pick<PyramidConfig, 'models' | 'tiers'>,
  request: RequestRecord,
  attempts: Attempt[],
): CloudOnlyCost {
  const answeredIndex = findAnsweringAttempt(request, attempts);
  const actual = { costUsd: request.costUsd, answeredIndex, perAttempt: attempts.map((a) => a.costUsd) };
  if (answeredIndex === -1 || request.task === embeddingsTask) return actual;
  const answering = attempts[answeredIndex];
  const cloudModel = firstCloudModel(config, answering.tier);
  if (!cloudModel) return actual;
  const costUsd = calculateCost(cloudModel.cost, answering.usage);
  return {
    costUsd,
    answeredIndex,
    perAttempt: attempts.map((_, index) => (index === answeredIndex ? costUsd : 0)),
  };
}

function firstCloudModel(
  config: Pick<PyramidConfig, 'models' | 'tiers'>,
  tier: number,
): ModelConfig | undefined {
  if (config.tiers.length < 2) return undefined;
  const name = config.tiers[Math.max(tier, 1)]?.[0];
  return name === undefined ? undefined : config.models[name];
}
