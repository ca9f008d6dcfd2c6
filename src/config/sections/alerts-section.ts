import { z } from 'zod';
import type { AlertsConfig } from '../../contracts/delivery.ts';
import type { ConfigSection } from '../config-section.ts';
import { durationSchema } from '../duration-schema.ts';
import { positiveInteger } from '../names.ts';
import { parseDuration } from '../parse-duration.ts';
import { asMapping } from '../raw-value.ts';
import { deliveryTargetIssues, deliveryTargetsSchema, resolveDeliveryTargets } from './channels-section.ts';

export const defaultAlerts = { jobFailures: 3, repeat: '15m', maxPerHour: 20, settle: '5s' } as const;

const alertsObject = z.strictObject({
  targets: deliveryTargetsSchema,
  jobFailures: positiveInteger
    .default(defaultAlerts.jobFailures)
    .describe('A job that fails this many runs in a row raises an alert.'),
  repeat: durationSchema('The same alert at most once per this long.').default(defaultAlerts.repeat),
  maxPerHour: positiveInteger
    .default(defaultAlerts.maxPerHour)
    .describe('At most this many alerts per hour in all; the rest are counted and reported later.'),
  settle: durationSchema(
    "A breaker's new state is alerted only once it has held this long (a breaker that closes and reopens within it sends nothing).",
  ).default(defaultAlerts.settle),
});

const schema = z
  .union([deliveryTargetsSchema, alertsObject], {
    error: 'expected a list of targets, or { targets, jobFailures, repeat, maxPerHour, settle }',
  })
  .optional()
  .describe(
    'Operational alerts (a breaker opening or closing, a job failing N times in a row): a list of targets, or { targets, jobFailures, repeat, maxPerHour, settle }.',
  );

export const alertsSection: ConfigSection<typeof schema, AlertsConfig> = {
  schema,

  check(raw, names) {
    if (Array.isArray(raw)) return deliveryTargetIssues(raw, names);
    const targets = asMapping(raw)?.targets;
    return deliveryTargetIssues(targets, names).map((issue) => ({
      ...issue,
      path: ['targets', ...issue.path],
    }));
  },

  resolve(alerts) {
    const options = alerts === undefined || Array.isArray(alerts) ? undefined : alerts;
    const targets = alerts === undefined ? [] : Array.isArray(alerts) ? alerts : alerts.targets;
    return {
      targets: resolveDeliveryTargets(targets),
      jobFailures: options?.jobFailures ?? defaultAlerts.jobFailures,
      repeatMs: parseDuration(options?.repeat ?? defaultAlerts.repeat),
      maxPerHour: options?.maxPerHour ?? defaultAlerts.maxPerHour,
      settleMs: parseDuration(options?.settle ?? defaultAlerts.settle),
    };
  },
};
