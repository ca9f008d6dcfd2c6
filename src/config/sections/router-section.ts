import { z } from 'zod';
import { type BreakerConfig, defaultFailover, type FailoverConfig } from '../../contracts/pyramid-config.ts';
import type { ConfigSection, SectionIssue } from '../config-section.ts';
import { durationSchema } from '../duration-schema.ts';
import { failoverSchema, resolveFailoverInput } from '../failover-schema.ts';
import { positiveInteger, tierNumber } from '../names.ts';
import { parseDuration, tryParseDuration } from '../parse-duration.ts';
import { asMapping } from '../raw-value.ts';
import { tierRangeIssue } from '../tier-range-issue.ts';

export const defaultBreaker = { failureThreshold: 3, cooldown: '5s', maxCooldown: '60s' } as const;

const breakerSchema = z
  .strictObject({
    failureThreshold: positiveInteger
      .default(defaultBreaker.failureThreshold)
      .describe(
        'Retryable failures in a row that open a model breaker (an unreachable provider opens it at once).',
      ),
    cooldown: durationSchema('How long an open breaker skips the model before one trial call.').default(
      defaultBreaker.cooldown,
    ),
    maxCooldown: durationSchema('The cooldown doubles after each failed trial, up to this.').default(
      defaultBreaker.maxCooldown,
    ),
  })
  .superRefine((breaker, context) => {
    if ((tryParseDuration(breaker.maxCooldown) ?? 0) < (tryParseDuration(breaker.cooldown) ?? 0)) {
      context.addIssue({
        code: 'custom',
        path: ['maxCooldown'],
        message: `must be at least cooldown (${breaker.cooldown})`,
      });
    }
  })
  .describe('Circuit breakers: skip a failing model for a while instead of waiting on it for every request.');

const schema = z
  .strictObject({
    maxTier: tierNumber
      .optional()
      .describe('The highest tier any request may reach (default: the last tier).'),
    breaker: breakerSchema.prefault({}),
    failover: z
      .strictObject({
        scheduled: failoverSchema
          .optional()
          .describe('Agent runs (jobs, subagents): nobody is waiting. Default { maxWait: 30s }.'),
        gateway: failoverSchema
          .optional()
          .describe('HTTP and CLI callers, waiting for the answer. Default { maxWait: 0s }.'),
      })
      .optional()
      .describe(
        'How far a provider failure may move a request, per caller kind; tasks and agents override it with their own failover.',
      ),
  })
  .prefault({})
  .describe('How requests move through the pyramid.');

export const routerSection: ConfigSection<
  typeof schema,
  { maxTier: number; breaker: BreakerConfig; failover: FailoverConfig }
> = {
  schema,

  check(raw, names) {
    const issue = tierRangeIssue(asMapping(raw)?.maxTier, ['maxTier'], names, { ceiling: 'tiers' });
    return issue ? [issue] : ([] as SectionIssue[]);
  },

  resolve(router, { names }) {
    return {
      maxTier: router.maxTier ?? names.tierCount - 1,
      breaker: {
        failureThreshold: router.breaker.failureThreshold,
        cooldownMs: parseDuration(router.breaker.cooldown),
        maxCooldownMs: parseDuration(router.breaker.maxCooldown),
      },
      failover: {
        scheduled: { ...defaultFailover.scheduled, ...resolveFailoverInput(router.failover?.scheduled) },
        gateway: { ...defaultFailover.gateway, ...resolveFailoverInput(router.failover?.gateway) },
      },
    };
  },
};
