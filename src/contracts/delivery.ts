/** Where one message goes: a configured channel and, for chat channels, the chat or channel id. */
export type DeliveryTarget = {
  channel: string;
  /** Telegram chat id or Slack channel id; unused by webhook and file channels. */
  to?: string;
  /** Telegram forum topic id or Slack thread ts. */
  thread?: string;
};

export const channelTypes = ['telegram', 'slack', 'webhook', 'file'] as const;
export type ChannelType = (typeof channelTypes)[number];

type ChannelCommon = {
  name: string;
  /** Put a short header line (agent, job) above run output. */
  header: boolean;
  /** Put a short footer line (tier, model, cost) below run output. */
  footer: boolean;
};

/** A resolved `channels:` entry. Secrets are resolved values; never log or store them. */
export type ChannelConfig = ChannelCommon &
  (
    | { type: 'telegram'; botToken?: string; unavailableReason?: string; apiRoot?: string }
    | { type: 'slack'; botToken?: string; unavailableReason?: string; apiUrl?: string }
    | { type: 'webhook'; url: string; secret?: string; unavailableReason?: string; timeoutMs: number }
    | { type: 'file'; path: string }
  );

/** The resolved `alerts:` section. */
export type AlertsConfig = {
  targets: DeliveryTarget[];
  /** A job that fails this many runs in a row raises an alert. */
  jobFailures: number;
  /** The same alert (same subject) at most once per this many ms. */
  repeatMs: number;
  /** At most this many alerts per hour over all subjects; the rest are counted and reported later. */
  maxPerHour: number;
  /**
   * A breaker's new state is alerted only once it has held this long (ms), so a breaker that closes and
   * reopens within seconds (flapping) sends nothing false; undefined: the default (5 s), 0: at once.
   */
  settleMs?: number;
};

/** `pending`: not yet accepted by the channel (possibly retrying); `delivered`: every chunk accepted; `failed`: stopped, with a reason. */
export type DeliveryState = 'pending' | 'delivered' | 'failed';

/** A run's deliveries taken together; `partial` when some targets got it and others failed. */
export type RunDeliveryStatus = 'none' | 'pending' | 'delivered' | 'failed' | 'partial';

export type DeliveryKind = 'run' | 'alert' | 'message';

/** One message to one target, as the outbox keeps it. */
export type DeliveryRecord = {
  id: string;
  kind: DeliveryKind;
  runId?: string;
  jobId?: string;
  agentId?: string;
  channel: string;
  channelType: ChannelType | 'unknown';
  to?: string;
  thread?: string;
  state: DeliveryState;
  /** Messages the output was cut into. */
  chunkCount: number;
  /** Chunks the channel has accepted, in order. */
  chunksSent: number;
  /** Send attempts that failed, in total. */
  attempts: number;
  /** Failed attempts since the last accepted chunk (the retry limit counts these). */
  failuresInARow: number;
  nextAttemptAt: number;
  lastError?: string;
  lastErrorCode?: string;
  /** How it was sent when that differs from the plan (a Telegram chunk sent as plain text); kept once delivered. */
  note?: string;
  createdAt: number;
  updatedAt: number;
  deliveredAt?: number;
};

export type DeliveryChunk = { seq: number; body: string; sentAt?: number; remoteId?: string };

export type DeliveryFilter = { state?: DeliveryState; runId?: string; limit?: number };

/** The outbox's persistence. Every method is one atomic step; SQLite is the embedded implementation. */
export interface DeliveryStore {
  /** Writes deliveries with their chunks in one transaction. */
  insert(deliveries: { record: DeliveryRecord; chunks: string[] }[]): Promise<void>;
  get(id: string): Promise<DeliveryRecord | undefined>;
  chunks(id: string): Promise<DeliveryChunk[]>;
  /** Leases up to `limit` pending deliveries due by `now` that no live lease holds, oldest first. */
  claimDue(options: {
    now: number;
    owner: string;
    leaseMs: number;
    limit: number;
  }): Promise<DeliveryRecord[]>;
  /** Records an accepted chunk and extends the lease; a `note` is added to the delivery's note. */
  markChunkSent(
    id: string,
    seq: number,
    options: { now: number; remoteId?: string; leaseUntil: number; note?: string },
  ): Promise<void>;
  markDelivered(id: string, now: number): Promise<void>;
  /** A transient failure: count it, set the next attempt and release the lease. */
  markRetry(
    id: string,
    options: { now: number; nextAttemptAt: number; error: string; code: string },
  ): Promise<void>;
  markFailed(id: string, options: { now: number; error: string; code: string }): Promise<void>;
  /** Extends a lease this owner holds; false when another worker holds it or it is no longer pending. */
  renewLease(id: string, owner: string, leaseUntil: number): Promise<boolean>;
  /** Gives a lease back without counting an attempt (the worker stopped). */
  release(id: string): Promise<void>;
  /** A failed delivery back to pending, due now, its failures in a row cleared. False when it is not failed. */
  requeue(id: string, now: number): Promise<boolean>;
  /** Newest first. */
  list(filter?: DeliveryFilter): Promise<DeliveryRecord[]>;
  /** When the next pending delivery can be claimed (its next attempt, or when its lease ends), or undefined. */
  nextClaimableAt(): Promise<number | undefined>;
}
