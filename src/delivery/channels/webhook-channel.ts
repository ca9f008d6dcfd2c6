import { createHmac } from 'node:crypto';
import { DeliveryError } from '../../contracts/errors/delivery-error.ts';
import type { Channel, OutgoingMessage } from './channel.ts';
import { parseRetryAfter } from './parse-retry-after.ts';
import { runPayload } from './run-payload.ts';

export type WebhookChannelOptions = {
  name: string;
  url: string;
  /** With a secret, every request carries `X-Pyramid-Signature: sha256=<hex HMAC of "<timestamp>.<body>">`. */
  secret?: string;
  unavailableReason?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
};

/** The signature header value for a webhook body sent at `timestamp` (seconds): what a receiver recomputes. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * POSTs one JSON document per message (Markdown unrendered, with run metadata). 2xx is accepted; 408,
 * 429 and 5xx are retried (honouring Retry-After); any other status stops.
 */
export function createWebhookChannel(options: WebhookChannelOptions): Channel {
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  return {
    name: options.name,
    type: 'webhook',

    render(message: OutgoingMessage) {
      return [JSON.stringify(runPayload(message))];
    },

    async send(body, _target, { deliveryId }) {
      if (options.unavailableReason) {
        throw new DeliveryError(
          'delivery_unavailable',
          `webhook ${options.name}: ${options.unavailableReason}`,
          {
            permanent: true,
          },
        );
      }
      const timestamp = String(Math.floor(now() / 1000));
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'pyramid-delivery',
        'x-pyramid-delivery': deliveryId,
        'x-pyramid-timestamp': timestamp,
      };
      if (options.secret) headers['x-pyramid-signature'] = webhookSignature(options.secret, timestamp, body);
      let response: Response;
      try {
        response = await fetchImpl(options.url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        const reason =
          error instanceof Error
            ? error.cause instanceof Error
              ? error.cause.message
              : error.message
            : String(error);
        throw new DeliveryError('delivery_unreachable', `webhook ${options.name}: ${reason}`, {
          permanent: false,
        });
      }
      await response.body?.cancel();
      if (response.ok) return {};
      const status = response.status;
      if (status === 429 || status === 408 || status >= 500) {
        throw new DeliveryError(
          status === 429 ? 'delivery_rate_limited' : 'delivery_server_error',
          `webhook ${options.name}: HTTP ${status}`,
          {
            permanent: false,
            status,
            retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now()),
          },
        );
      }
      const code =
        status === 401
          ? 'delivery_unauthorized'
          : status === 403
            ? 'delivery_forbidden'
            : status === 404
              ? 'delivery_not_found'
              : 'delivery_rejected';
      throw new DeliveryError(code, `webhook ${options.name}: HTTP ${status}`, { permanent: true, status });
    },
  };
}
