import type { ChannelType, DeliveryKind, DeliveryTarget } from '../../contracts/delivery.ts';

/** What the outbox hands a channel to render: Markdown plus the header and footer lines it may use. */
export type OutgoingMessage = {
  deliveryId: string;
  kind: DeliveryKind;
  runId?: string;
  jobId?: string;
  agentId?: string;
  /** Markdown, as the agent wrote it. */
  text: string;
  /** A short line naming the agent and job. */
  header?: string;
  /** A short line with tier, model and cost. */
  footer?: string;
  meta?: Record<string, unknown>;
  createdAt: number;
};

/** How fast one channel may send: a minimum gap per target and a ceiling per second overall. */
export type Pacing = { perTargetMs: number; perSecond: number };

/** One configured destination kind. Rendering is pure; `send` throws DeliveryError on failure. */
export interface Channel {
  readonly name: string;
  readonly type: ChannelType;
  readonly pacing?: Pacing;
  /** The bodies this channel will send for a message, in order (stored with the delivery, so a restart resends the same). */
  render(message: OutgoingMessage): string[];
  /**
   * Sends one stored body; resolves when the channel accepted it, with its id for the message when it
   * has one, and a `note` when it had to send it differently (Telegram: as plain text), for the record.
   */
  send(
    body: string,
    target: DeliveryTarget,
    context: { deliveryId: string; seq: number },
  ): Promise<{ remoteId?: string; note?: string }>;
}
