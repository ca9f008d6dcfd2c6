import { z } from 'zod';
import type { RetentionConfig } from '../../contracts/pyramid-config.ts';
import type { ConfigSection, SectionIssue } from '../config-section.ts';
import { durationSchema } from '../duration-schema.ts';
import { parseDuration, tryParseDuration } from '../parse-duration.ts';

export const defaultRetention = {
  transcripts: '30d',
  runs: '180d',
  deliveries: '90d',
  ledger: 'forever',
  responses: '30d',
  every: '1h',
} as const;

/** Shorter than this, pruning would take what recovery, spend caps and `usage --since 24h` still read. */
const shortestKeepMs = 86_400_000;

const keepHint = 'expected a duration such as "30d" or "12h", or forever';

const keep = (what: string) =>
  z
    .union(
      [
        z.number().positive({ error: keepHint }),
        z.string().refine((text) => text === 'forever' || tryParseDuration(text) !== undefined, {
          error: keepHint,
        }),
      ],
      { error: keepHint },
    )
    .describe(`How long ${what} are kept: a duration ("30d", "12h", or ms) or forever.`);

const schema = z
  .strictObject({
    transcripts: keep('isolated and subagent session transcripts (main sessions are bounded instead)')
      .default(defaultRetention.transcripts)
      .describe('Isolated and subagent session transcripts, counted from when the session began.'),
    runs: keep('finished runs')
      .default(defaultRetention.runs)
      .describe('Finished runs (never queued or running ones), counted from when they were queued.'),
    deliveries: keep('delivered and failed deliveries')
      .default(defaultRetention.deliveries)
      .describe('Delivered and failed deliveries (never pending ones), counted from when they were created.'),
    ledger: keep('ledger rows')
      .default(defaultRetention.ledger)
      .describe('Ledger requests and attempts; usage reports and spend caps read them (default: forever).'),
    responses: keep('stored Responses API responses')
      .default(defaultRetention.responses)
      .describe(
        'Responses kept for previous_response_id and GET /v1/responses/{id} (store: true, the default), counted from when they were created.',
      ),
    every: durationSchema('How often pyramid start prunes.').default(defaultRetention.every),
  })
  .default(defaultRetention)
  .describe(
    'How long finished history is kept in the store ("30d", "12h", or forever); pyramid start prunes it every hour, pyramid prune on demand.',
  );

const kept = (value: string | number) => (value === 'forever' ? undefined : parseDuration(value));

export const retentionSection: ConfigSection<typeof schema, RetentionConfig> = {
  schema,

  check(raw) {
    const issues: SectionIssue[] = [];
    if (typeof raw !== 'object' || raw === null) return issues;
    for (const key of ['transcripts', 'runs', 'deliveries', 'ledger', 'responses'] as const) {
      const value = (raw as Record<string, unknown>)[key];
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      if (value === 'forever') continue;
      let ms: number;
      try {
        ms = parseDuration(value);
      } catch {
        continue; // the schema reports it
      }
      if (ms < shortestKeepMs) {
        issues.push({
          path: [key],
          message: `keep at least 1d (spend caps, recovery and today's usage read recent history), or forever`,
        });
      }
    }
    return issues;
  },

  resolve(retention) {
    const transcriptsMs = kept(retention.transcripts);
    const runsMs = kept(retention.runs);
    const deliveriesMs = kept(retention.deliveries);
    const ledgerMs = kept(retention.ledger);
    const responsesMs = kept(retention.responses);
    return {
      ...(transcriptsMs === undefined ? {} : { transcriptsMs }),
      ...(runsMs === undefined ? {} : { runsMs }),
      ...(deliveriesMs === undefined ? {} : { deliveriesMs }),
      ...(ledgerMs === undefined ? {} : { ledgerMs }),
      ...(responsesMs === undefined ? {} : { responsesMs }),
      everyMs: parseDuration(retention.every),
    };
  },
};
