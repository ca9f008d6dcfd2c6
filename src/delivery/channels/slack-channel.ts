import { ErrorCode, type Logger, LogLevel, WebClient } from '@slack/web-api';
import { DeliveryError } from '../../contracts/errors/delivery-error.ts';
import { renderMarkdown } from '../format/render-markdown.ts';
import { slackMrkdwnDialect } from '../format/slack-mrkdwn-dialect.ts';
import type { Channel, OutgoingMessage, Pacing } from './channel.ts';
import { scrubSecret } from './scrub-secret.ts';

/** Slack truncates `text` past 40,000 characters and advises at most 4,000; Pyramid cuts at 4,000. */
export const slackMessageLimit = 4000;

/** Platform errors that say Slack itself had a problem: worth retrying. Every other one stops. */
const transientSlackErrors = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);
const unauthorizedSlackErrors = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
]);
const notFoundSlackErrors = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'user_not_found']);

export type SlackChannelOptions = {
  name: string;
  botToken?: string;
  unavailableReason?: string;
  /** Another API root (a fake in tests); default https://slack.com/api/. */
  apiUrl?: string;
  header?: boolean;
  footer?: boolean;
  fetch?: typeof fetch;
  /** Overrides the default pacing (tests). */
  pacing?: Pacing;
  timeoutMs?: number;
};

const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

/** A Slack bot channel through @slack/web-api chat.postMessage: mrkdwn, cut at 4,000 characters, about 1 message/s per channel. */
export function createSlackChannel(options: SlackChannelOptions): Channel {
  const token = options.botToken;
  const client = token
    ? new WebClient(token, {
        ...(options.apiUrl ? { slackApiUrl: options.apiUrl.replace(/\/*$/, '/') } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        // The outbox is the only retry loop: it persists the wait, so a restart honours it too.
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: options.timeoutMs ?? 30_000,
        logger: silentLogger,
      })
    : undefined;
  return {
    name: options.name,
    type: 'slack',
    pacing: options.pacing ?? { perTargetMs: 1000, perSecond: 20 },

    render(message: OutgoingMessage) {
      return renderMarkdown(message.text, {
        dialect: slackMrkdwnDialect,
        limit: slackMessageLimit,
        header: options.header === false ? undefined : message.header,
        footer: options.footer === false ? undefined : message.footer,
      });
    },

    async send(body, target) {
      if (!client) {
        throw new DeliveryError(
          'delivery_unavailable',
          `slack channel ${options.name} has no bot token (${options.unavailableReason ?? 'botToken is not set'})`,
          { permanent: true },
        );
      }
      if (!target.to) {
        throw new DeliveryError('delivery_rejected', 'a slack target needs `to` (the channel id)', {
          permanent: true,
        });
      }
      try {
        const result = await client.chat.postMessage({
          channel: target.to,
          text: body,
          mrkdwn: true,
          unfurl_links: false,
          ...(target.thread ? { thread_ts: target.thread } : {}),
        });
        return result.ts ? { remoteId: result.ts } : {};
      } catch (error) {
        throw slackDeliveryError(error, token);
      }
    },
  };
}

type SlackFailure = {
  code?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
  message?: string;
};

/** Classifies a @slack/web-api error by its code and fields, never by its message. */
export function slackDeliveryError(error: unknown, token: string | undefined): DeliveryError {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as SlackFailure;
  const scrub = (text: string) => scrubSecret(text, token);
  switch (failure.code) {
    case ErrorCode.RateLimitedError:
      return new DeliveryError('delivery_rate_limited', 'slack: rate limited', {
        permanent: false,
        retryAfterMs: (failure.retryAfter ?? 1) * 1000,
        status: 429,
      });
    case ErrorCode.PlatformError: {
      const slackError = failure.data?.error ?? 'unknown_error';
      if (transientSlackErrors.has(slackError)) {
        return new DeliveryError('delivery_server_error', `slack: ${slackError}`, { permanent: false });
      }
      const code = unauthorizedSlackErrors.has(slackError)
        ? 'delivery_unauthorized'
        : notFoundSlackErrors.has(slackError)
          ? 'delivery_not_found'
          : 'delivery_rejected';
      return new DeliveryError(code, `slack: ${slackError}`, { permanent: true });
    }
    case ErrorCode.HTTPError: {
      const status = failure.statusCode ?? 0;
      const transient = status >= 500 || status === 408;
      return new DeliveryError(
        transient ? 'delivery_server_error' : 'delivery_rejected',
        `slack: HTTP ${status}`,
        { permanent: !transient, status },
      );
    }
    case ErrorCode.RequestError:
      return new DeliveryError(
        'delivery_unreachable',
        `slack: ${scrub(failure.message ?? 'request failed')}`,
        {
          permanent: false,
        },
      );
    default:
      return new DeliveryError('delivery_failed', `slack: ${scrub(failure.message ?? String(error))}`, {
        permanent: false,
      });
  }
}
