import { calculateCost } from '../contracts/calculate-cost.ts';
import type { RequestBaselines } from '../contracts/ledger-store.ts';
import type { ModelConfig, PyramidConfig } from '../contracts/pyramid-config.ts';
import type { RequestRecord } from '../contracts/request-ledger.ts';
import type { Attempt } from '../contracts/trace.ts';
import type { Usage } from '../contracts/usage.ts';
import { findAnsweringAttempt } from './find-answering-attempt.ts';

/** Prices and tiers; `tasks` gives the start tier of a record that does not carry one. */
export type BaselineConfig = Pick<PyramidConfig, 'models' | 'tiers'> & Partial<Pick<PyramidConfig, 'tasks'>>;

/** A request's baselines, and how the two priced ones split over its attempts (shares sum to the amounts). */
export type RequestBaselineCosts = RequestBaselines & {
  perAttempt: { topTierCostUsd: number[]; cheapestCloudCostUsd: number[] };
};

/**
 * What the request would have cost on the top tier and on the cheapest cloud model its tier allows,
 * and whether it climbed because of provider failures (the rules are in README.md):
 * - answered: the answering attempt's tokens re-priced, the whole amount on that attempt;
 * - failed, or the config lacks the models: the actual cost, each attempt carrying its own.
 */
export function requestBaselines(
  config: BaselineConfig,
  request: RequestRecord,
  attempts: Attempt[],
): RequestBaselineCosts {
  const answeredIndex = findAnsweringAttempt(request, attempts);
  const own = attempts.map((attempt) => attempt.costUsd);
  if (answeredIndex === -1) {
    return {
      topTierCostUsd: request.costUsd,
      cheapestCloudCostUsd: request.costUsd,
      perAttempt: { topTierCostUsd: own, cheapestCloudCostUsd: own },
    };
  }
  const answer = attempts[answeredIndex];
  const startTier = request.startTier ?? config.tasks?.[request.resolvedTask]?.tier ?? attempts[0].tier;
  const onTop = priceOn(config, config.tiers.at(-1)?.[0], answer.usage) ?? request.costUsd;
  const cloudPrices = config.tiers
    .slice(Math.max(startTier, 1))
    .flat()
    .map((name) => priceOn(config, name, answer.usage))
    .filter((price) => price !== undefined);
  const cheapest = cloudPrices.length > 0 ? Math.min(...cloudPrices) : request.costUsd;
  const onAnswer = (amount: number) => attempts.map((_, index) => (index === answeredIndex ? amount : 0));
  return {
    topTierCostUsd: onTop,
    cheapestCloudCostUsd: cheapest,
    ...climb(config, startTier, attempts, answeredIndex, request.costUsd),
    perAttempt: { topTierCostUsd: onAnswer(onTop), cheapestCloudCostUsd: onAnswer(cheapest) },
  };
}

/**
 * The tier a request was headed for is its start tier, or the tier above its last inadequate answer
 * (an escalation); answered above that, it climbed because the models there failed or were skipped.
 * It would then have cost its attempts below that tier plus its answer on that tier's first model.
 */
function climb(
  config: BaselineConfig,
  startTier: number,
  attempts: Attempt[],
  answeredIndex: number,
  actualCostUsd: number,
): Pick<RequestBaselines, 'climbedFromTier' | 'climbPlannedCostUsd'> {
  const before = attempts.slice(0, answeredIndex);
  const headedFor = Math.max(
    startTier,
    ...before.filter((attempt) => attempt.outcome === 'inadequate').map((attempt) => attempt.tier + 1),
  );
  const answer = attempts[answeredIndex];
  if (headedFor < 0 || answer.tier <= headedFor) return {};
  const below = before
    .filter((attempt) => attempt.tier < headedFor)
    .reduce((sum, attempt) => sum + attempt.costUsd, 0);
  const there = priceOn(config, config.tiers[headedFor]?.[0], answer.usage);
  return {
    climbedFromTier: headedFor,
    climbPlannedCostUsd: there === undefined ? actualCostUsd : below + there,
  };
}

function priceOn(config: BaselineConfig, name: string | undefined, usage: Usage): number | undefined {
  const model: ModelConfig | undefined = name === undefined ? undefined : config.models[name];
  return model && calculateCost(model.cost, usage);
}
