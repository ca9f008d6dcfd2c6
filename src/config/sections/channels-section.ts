import { z } from 'zod';
import { type ChannelConfig, channelTypes, type DeliveryTarget } from '../../contracts/delivery.ts';
import { didYouMean } from '../closest-name.ts';
import type { ConfigNames, ConfigSection, SectionIssue } from '../config-section.ts';
import { durationSchema } from '../duration-schema.ts';
import { nameSchema } from '../names.ts';
import { parseDuration } from '../parse-duration.ts';
import { asMapping, mappingEntries } from '../raw-value.ts';
import { isEnvReference, resolveSecret, secretSchema } from '../secret-reference.ts';

const httpUrl = (description: string) =>
  z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).describe(description);

const format = {
  header: z.boolean().default(true).describe('A short bold line naming the agent and job above run output.'),
  footer: z.boolean().default(false).describe('A short line with tier, model and cost below run output.'),
};

const channelSchema = z
  .discriminatedUnion(
    'type',
    [
      z.strictObject({
        type: z.literal('telegram'),
        botToken: secretSchema('The bot token from @BotFather.'),
        apiRoot: httpUrl('Another Bot API server (default https://api.telegram.org).').optional(),
        ...format,
      }),
      z.strictObject({
        type: z.literal('slack'),
        botToken: secretSchema('The bot token (xoxb-...).'),
        apiUrl: httpUrl('Another Slack API root (default https://slack.com/api/).').optional(),
        ...format,
      }),
      z.strictObject({
        type: z.literal('webhook'),
        url: httpUrl('Where each message is POSTed as JSON.'),
        secret: secretSchema(
          'Signs each request: X-Pyramid-Signature: sha256=HMAC-SHA256(secret, "<X-Pyramid-Timestamp>.<body>").',
        ).optional(),
        timeout: durationSchema('How long one POST may take.').default('10s'),
        ...format,
      }),
      z.strictObject({
        type: z.literal('file'),
        path: z.string().min(1).describe('A JSON-lines file; relative paths are under PYRAMID_HOME.'),
        ...format,
      }),
    ],
    { error: `expected a channel with type one of ${channelTypes.join(', ')}` },
  )
  .describe('One place messages are delivered to.');

const schema = z
  .record(nameSchema('channel'), channelSchema)
  .optional()
  .describe('Where results and alerts are delivered, by name. Targets (deliver:, alerts:) name a channel.');

const scalarId = z.union([z.string().min(1), z.number().int()]);

/** One delivery target as written: `{ channel, to, thread }`, or just a channel name for webhook and file channels. */
export const deliveryTargetSchema = z
  .union(
    [
      nameSchema('channel'),
      z.strictObject({
        channel: nameSchema('channel').describe('A name from channels:.'),
        to: scalarId.optional().describe('Telegram chat id or Slack channel id (required for those).'),
        thread: scalarId.optional().describe('Telegram forum topic id or Slack thread ts.'),
      }),
    ],
    { error: 'expected { channel, to, thread } or a channel name' },
  )
  .describe('Where to deliver: { channel: tg, to: "123456789" }.');

/** A `deliver:` list (jobs and agents use it; `alerts:` too). Check it with deliveryTargetIssues, resolve with resolveDeliveryTargets. */
export const deliveryTargetsSchema = z.array(deliveryTargetSchema).describe('Delivery targets.');

/** Resolves a validated target list to DeliveryTarget values (ids as strings). */
export function resolveDeliveryTargets(targets: z.output<typeof deliveryTargetsSchema>): DeliveryTarget[] {
  return targets.map((target) =>
    typeof target === 'string'
      ? { channel: target }
      : {
          channel: target.channel,
          ...(target.to === undefined ? {} : { to: String(target.to) }),
          ...(target.thread === undefined ? {} : { thread: String(target.thread) }),
        },
  );
}

/** Problems in a raw target list that involve the channels section: unknown channel, missing `to`. Paths are relative to the list. */
export function deliveryTargetIssues(raw: unknown, names: Pick<ConfigNames, 'channels'>): SectionIssue[] {
  if (!Array.isArray(raw)) return [];
  const issues: SectionIssue[] = [];
  raw.forEach((entry: unknown, index) => {
    const target = typeof entry === 'string' ? { channel: entry } : asMapping(entry);
    const channel = target?.channel;
    if (typeof channel !== 'string') return;
    const type = names.channels.get(channel);
    if (type === undefined) {
      const known = [...names.channels.keys()];
      issues.push({
        path: typeof entry === 'string' ? [index] : [index, 'channel'],
        message: `unknown channel "${channel}"${didYouMean(channel, known)}: ${configuredChannels(known)}`,
      });
    } else if ((type === 'telegram' || type === 'slack') && target?.to === undefined) {
      issues.push({
        path: [index],
        message: `a ${type} target needs to: (the ${type === 'telegram' ? 'chat id' : 'channel id'})`,
      });
    }
  });
  return issues;
}

export const channelsSection: ConfigSection<typeof schema, Record<string, ChannelConfig> | undefined> = {
  schema,

  warn(channels) {
    const issues: SectionIssue[] = [];
    for (const [name, channel] of Object.entries(channels ?? {})) {
      const secret =
        channel.type === 'webhook' ? channel.secret : 'botToken' in channel ? channel.botToken : undefined;
      if (secret !== undefined && !isEnvReference(secret)) {
        issues.push({
          path: [name, channel.type === 'webhook' ? 'secret' : 'botToken'],
          message: 'is a literal secret in the config file; write "env:NAME" to read it from the environment',
        });
      }
    }
    return issues;
  },

  resolve(channels, { env }) {
    if (channels === undefined) return undefined;
    const resolved: Record<string, ChannelConfig> = {};
    for (const [name, channel] of Object.entries(channels)) {
      const common = { name, header: channel.header, footer: channel.footer };
      switch (channel.type) {
        case 'telegram':
        case 'slack': {
          const token = resolveSecret(channel.botToken, env);
          const secretPart = {
            ...(token.value === undefined ? {} : { botToken: token.value }),
            ...(token.unavailableReason ? { unavailableReason: token.unavailableReason } : {}),
          };
          resolved[name] =
            channel.type === 'telegram'
              ? {
                  ...common,
                  type: 'telegram',
                  ...secretPart,
                  ...(channel.apiRoot ? { apiRoot: channel.apiRoot } : {}),
                }
              : {
                  ...common,
                  type: 'slack',
                  ...secretPart,
                  ...(channel.apiUrl ? { apiUrl: channel.apiUrl } : {}),
                };
          break;
        }
        case 'webhook': {
          const secret = channel.secret === undefined ? {} : resolveSecret(channel.secret, env);
          resolved[name] = {
            ...common,
            type: 'webhook',
            url: channel.url,
            timeoutMs: parseDuration(channel.timeout),
            ...(secret.value === undefined ? {} : { secret: secret.value }),
            ...(secret.unavailableReason ? { unavailableReason: secret.unavailableReason } : {}),
          };
          break;
        }
        case 'file':
          resolved[name] = { ...common, type: 'file', path: channel.path };
          break;
      }
    }
    return resolved;
  },
};

/** Channel names and types from the raw YAML, for checks in other sections. */
export function channelNames(raw: unknown): Map<string, string> {
  return new Map(
    mappingEntries(raw).map(([name, channel]) => {
      const type = asMapping(channel)?.type;
      return [name, typeof type === 'string' ? type : ''];
    }),
  );
}

/** The configured channels, named when they are few (a message never lists thousands of names). */
function configuredChannels(known: string[]): string {
  if (known.length === 0) return 'no channels are configured';
  return known.length <= 5
    ? `configured channels are ${known.join(', ')}`
    : `${known.length} channels are configured`;
}
