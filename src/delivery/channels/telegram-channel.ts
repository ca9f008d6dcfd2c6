import { Api, GrammyError, HttpError } from 'grammy';
import { DeliveryError } from '../../contracts/errors/delivery-error.ts';
import { renderMarkdown } from '../format/render-markdown.ts';
import { telegramHtmlDialect } from '../format/telegram-html-dialect.ts';
import { telegramHtmlToText } from '../format/telegram-html-to-text.ts';
import type { Channel, OutgoingMessage, Pacing } from './channel.ts';
import { scrubSecret } from './scrub-secret.ts';

/** Telegram's limit for one message's text. */
export const telegramMessageLimit = 4096;

export type TelegramChannelOptions = {
  name: string;
  botToken?: string;
  /** Why the channel cannot send (an unset `env:` variable); sends then fail permanently with it. */
  unavailableReason?: string;
  /** Another Bot API server (a local one, or a fake in tests). */
  apiRoot?: string;
  header?: boolean;
  footer?: boolean;
  fetch?: typeof fetch;
  /** Overrides the default pacing (tests). */
  pacing?: Pacing;
  timeoutSeconds?: number;
};

/**
 * A Telegram bot channel through grammY: HTML parse mode, cut at 4096 characters, about 1 message/s per
 * chat and 30/s overall. A chunk whose HTML Telegram cannot parse is sent once more as plain text.
 */
export function createTelegramChannel(options: TelegramChannelOptions): Channel {
  const token = options.botToken;
  const api = token
    ? new Api(token, {
        ...(options.apiRoot ? { apiRoot: options.apiRoot.replace(/\/+$/, '') } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        timeoutSeconds: options.timeoutSeconds ?? 30,
      })
    : undefined;
  return {
    name: options.name,
    type: 'telegram',
    pacing: options.pacing ?? { perTargetMs: 1000, perSecond: 30 },

    render(message: OutgoingMessage) {
      return renderMarkdown(message.text, {
        dialect: telegramHtmlDialect,
        limit: telegramMessageLimit,
        header: options.header === false ? undefined : message.header,
        footer: options.footer === false ? undefined : message.footer,
      });
    },

    async send(body, target) {
      if (!api) {
        throw new DeliveryError(
          'delivery_unavailable',
          `telegram channel ${options.name} has no bot token (${options.unavailableReason ?? 'botToken is not set'})`,
          { permanent: true },
        );
      }
      if (!target.to) {
        throw new DeliveryError('delivery_rejected', 'a telegram target needs `to` (the chat id)', {
          permanent: true,
        });
      }
      const chatId = target.to;
      const send = async (text: string, parseMode?: 'HTML') => {
        const sent = await api.sendMessage(chatId, text, {
          ...(parseMode ? { parse_mode: parseMode } : {}),
          link_preview_options: { is_disabled: true },
          ...(target.thread ? { message_thread_id: Number(target.thread) } : {}),
        });
        return String(sent.message_id);
      };
      try {
        return { remoteId: await send(body, 'HTML') };
      } catch (error) {
        if (!isUnparseableHtml(error)) throw telegramDeliveryError(error, token);
        const refused = scrubSecret(error.description, token);
        // Once, as plain text: the stored HTML with its tags removed and entities decoded rather than
        // the chunk's Markdown source. The body is what is stored (a chunk's Markdown span is not, and a
        // restart must resend the same), and it reads better: lists keep their bullets, tables their
        // rows, header and footer their lines, link targets show in parentheses, and no `**`, `|---|`
        // or `[text](url)` shows.
        try {
          const remoteId = await send(telegramHtmlToText(body, telegramMessageLimit));
          return { remoteId, note: `sent as plain text: Telegram refused the HTML (${refused})` };
        } catch (second) {
          const failure = telegramDeliveryError(second, token);
          throw new DeliveryError(
            failure.code,
            `${failure.message} (resending as plain text, after the HTML was refused: ${refused})`,
            {
              permanent: failure.permanent,
              retryAfterMs: failure.retryAfterMs,
              status: failure.status,
            },
          );
        }
      }
    },
  };
}

/**
 * Telegram could not parse the HTML. It says so only in the description of a 400 (no error code or
 * parameter tells it apart from other bad requests), so this one check reads the text.
 */
function isUnparseableHtml(error: unknown): error is GrammyError {
  return (
    error instanceof GrammyError &&
    error.error_code === 400 &&
    /can't parse entities/i.test(error.description)
  );
}

/**
 * GrammyError: Telegram answered and refused (429 waits `retry_after`; 5xx retries; 400, 401, 403, 404
 * and 409 stop). HttpError: Telegram could not be reached (retries). The token is scrubbed from messages.
 */
export function telegramDeliveryError(error: unknown, token: string | undefined): DeliveryError {
  if (error instanceof GrammyError) {
    const status = error.error_code;
    const description = scrubSecret(error.description, token);
    if (status === 429) {
      const retryAfterMs = (error.parameters.retry_after ?? 1) * 1000;
      return new DeliveryError('delivery_rate_limited', `telegram: ${description}`, {
        permanent: false,
        retryAfterMs,
        status,
      });
    }
    if (status >= 500) {
      return new DeliveryError('delivery_server_error', `telegram: ${description}`, {
        permanent: false,
        status,
      });
    }
    const migrated = error.parameters.migrate_to_chat_id;
    const hint = migrated === undefined ? '' : ` (the group moved to chat ${migrated}: update the target)`;
    const code =
      status === 401 || status === 404
        ? 'delivery_unauthorized'
        : status === 403
          ? 'delivery_forbidden'
          : /not found/i.test(description)
            ? 'delivery_not_found'
            : 'delivery_rejected';
    const reason = status === 404 ? 'the bot token is invalid (Not Found)' : description;
    return new DeliveryError(code, `telegram: ${reason}${hint}`, { permanent: true, status });
  }
  if (error instanceof HttpError) {
    const cause = error.error instanceof Error ? `: ${scrubSecret(error.error.message, token)}` : '';
    return new DeliveryError(
      'delivery_unreachable',
      `telegram: ${scrubSecret(error.message, token)}${cause}`,
      {
        permanent: false,
      },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new DeliveryError('delivery_failed', `telegram: ${scrubSecret(message, token)}`, {
    permanent: false,
  });
}
