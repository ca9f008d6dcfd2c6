import { randomUUID } from 'node:crypto';
import type { BackgroundFailures } from '../contracts/background-failures.ts';
import type {
  DeliveryFilter,
  DeliveryKind,
  DeliveryRecord,
  DeliveryStore,
  DeliveryTarget,
  RunDeliveryStatus,
} from '../contracts/delivery.ts';
import { DeliveryError } from '../contracts/errors/delivery-error.ts';
import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import { createBackoffFailures } from '../store/create-backoff-failures.ts';
import type { Channel, OutgoingMessage } from './channels/channel.ts';
import { formatFooter, type RunMeta } from './format-footer.ts';
import { Pacer } from './pacer.ts';
import { runDeliveryStatus } from './run-delivery-status.ts';
import { systemTimers, type Timers } from './timers.ts';

/** A finished run's output for the outbox: one delivery per target. */
export type RunOutput = {
  runId: string;
  jobId: string;
  agentId: string;
  /** Markdown, as the agent wrote it. */
  text: string;
  targets: readonly DeliveryTarget[];
  meta?: RunMeta;
};

/** Any message for the outbox (alerts use this). */
export type OutboxMessage = {
  kind: DeliveryKind;
  text: string;
  targets: readonly DeliveryTarget[];
  runId?: string;
  jobId?: string;
  agentId?: string;
  header?: string;
  footer?: string;
  meta?: Record<string, unknown>;
};

export type RetryPolicy = {
  /** Failed attempts in a row (no chunk accepted in between) before a transient failure becomes final. */
  maxAttempts: number;
  /** The first retry waits this long, doubling each time up to maxDelayMs (a channel's retry_after wins when longer). */
  baseDelayMs: number;
  maxDelayMs: number;
};

export type OutboxEvent = {
  type: 'delivered' | 'retrying' | 'failed';
  delivery: DeliveryRecord;
  error?: DeliveryError;
};

export type OutboxOptions = {
  store: DeliveryStore;
  channels: ReadonlyMap<string, Channel>;
  now?: () => number;
  timers?: Timers;
  newId?: () => string;
  retry?: Partial<RetryPolicy>;
  /** How long a worker holds a claimed delivery before another process may take it (renewed per chunk). */
  leaseMs?: number;
  /** How often an idle worker looks for work other processes queued (default 5 s). */
  pollIntervalMs?: number;
  /**
   * The most deliveries this worker holds at once (default 100). Several processes on one store use a
   * small number, so that one process does not claim the whole backlog and the others share it.
   */
  claimBatch?: number;
  /** Told about every outcome (for logs, and to settle a run's delivery status); awaited. */
  onEvent?: (event: OutboxEvent) => void | Promise<void>;
  /** What the worker does when the store fails it (default: back off and try again). */
  failures?: BackgroundFailures;
};

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 8, baseDelayMs: 2000, maxDelayMs: 10 * 60_000 };

type Sleep = { handle: unknown; resolve: () => void };

/**
 * The durable outbox. `enqueue*` writes every delivery (its rendered chunks included) to the store
 * before anything is sent; the worker (`start`) sends them in order per target, paced, with retries
 * that survive a restart. A delivery is `delivered` only when the channel accepted every chunk.
 */
export class Outbox {
  readonly #store: DeliveryStore;
  readonly #channels: ReadonlyMap<string, Channel>;
  readonly #now: () => number;
  readonly #timers: Timers;
  readonly #newId: () => string;
  readonly #retry: RetryPolicy;
  readonly #leaseMs: number;
  readonly #pollIntervalMs: number;
  readonly #claimBatch: number;
  readonly #onEvent?: (event: OutboxEvent) => void | Promise<void>;
  readonly #failures: BackgroundFailures;
  readonly #owner: string;
  readonly #pacer = new Pacer();
  /** Deliveries this process holds, queued per target so a chat gets its messages in order. */
  readonly #claimed = new Set<string>();
  readonly #queues = new Map<string, DeliveryRecord[]>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #sleeps = new Set<Sleep>();
  #started = false;
  #stopping = false;
  #wakeTimer: unknown;
  /** A claim is being made; another kick during it claims again once it is done. */
  #claiming: Promise<void> | undefined;
  #kickAgain = false;

  constructor(options: OutboxOptions) {
    this.#store = options.store;
    this.#channels = options.channels;
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? systemTimers;
    this.#newId = options.newId ?? randomUUID;
    this.#retry = { ...defaultRetryPolicy, ...options.retry };
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#pollIntervalMs = options.pollIntervalMs ?? 5000;
    this.#claimBatch = options.claimBatch ?? 100;
    this.#onEvent = options.onEvent;
    this.#failures = options.failures ?? createBackoffFailures();
    this.#owner = this.#newId();
  }

  /** Queues a run's output for every target; returns the delivery ids. The rows are committed when this returns. */
  enqueueRunOutput(run: RunOutput): Promise<string[]> {
    return this.enqueue({
      kind: 'run',
      runId: run.runId,
      jobId: run.jobId,
      agentId: run.agentId,
      text: run.text,
      targets: run.targets,
      header: `${run.agentId} · ${run.jobId}`,
      footer: formatFooter(run.meta),
      ...(run.meta ? { meta: { ...run.meta } } : {}),
    });
  }

  /** Queues a message for every target; returns the delivery ids. A target on an unknown channel is recorded as failed. */
  async enqueue(message: OutboxMessage): Promise<string[]> {
    const now = this.#now();
    const rows = message.targets.map((target) => {
      const id = this.#newId();
      const channel = this.#channels.get(target.channel);
      const outgoing: OutgoingMessage = {
        deliveryId: id,
        kind: message.kind,
        runId: message.runId,
        jobId: message.jobId,
        agentId: message.agentId,
        text: message.text,
        header: message.header,
        footer: message.footer,
        meta: message.meta,
        createdAt: now,
      };
      const chunks = channel ? channel.render(outgoing) : [];
      const record: DeliveryRecord = {
        id,
        kind: message.kind,
        runId: message.runId,
        jobId: message.jobId,
        agentId: message.agentId,
        channel: target.channel,
        channelType: channel?.type ?? 'unknown',
        to: target.to,
        thread: target.thread,
        state: channel ? 'pending' : 'failed',
        chunkCount: chunks.length,
        chunksSent: 0,
        attempts: 0,
        failuresInARow: 0,
        nextAttemptAt: now,
        ...(channel
          ? {}
          : {
              lastError: `channel "${target.channel}" is not configured`,
              lastErrorCode: 'delivery_unavailable',
            }),
        createdAt: now,
        updatedAt: now,
      };
      return { record, chunks };
    });
    await this.#store.insert(rows);
    this.#kick();
    return rows.map((row) => row.record.id);
  }

  /** The aggregate delivery status of a run: `none`, `pending`, `delivered` (all of them), `failed` or `partial`. */
  async runStatus(runId: string): Promise<RunDeliveryStatus> {
    return runDeliveryStatus(await this.#store.list({ runId, limit: 1000 }));
  }

  get(id: string): Promise<DeliveryRecord | undefined> {
    return this.#store.get(id);
  }

  /** Newest first. */
  list(filter?: DeliveryFilter): Promise<DeliveryRecord[]> {
    return this.#store.list(filter);
  }

  /** Puts a failed delivery back in the queue, due now, resuming after its last accepted chunk. */
  async retry(id: string): Promise<DeliveryRecord> {
    const delivery = await this.#store.get(id);
    if (!delivery) throw new PyramidError('delivery_not_found', `no delivery ${id}`);
    if (delivery.state !== 'failed') {
      throw new PyramidError(
        'delivery_not_failed',
        `delivery ${id} is ${delivery.state}; only failed ones can be retried`,
      );
    }
    if (delivery.chunkCount === 0) {
      // Nothing was rendered for it (its channel was not configured when it was queued), and the
      // Markdown is not stored: sending now would deliver nothing.
      throw new PyramidError(
        'delivery_not_retryable',
        `delivery ${id} has nothing stored to send (${delivery.lastError ?? 'no message was rendered'})`,
      );
    }
    await this.#store.requeue(id, this.#now());
    this.#kick();
    return (await this.#store.get(id)) as DeliveryRecord;
  }

  /** Starts the worker: sends what is due, then wakes for retries, new deliveries and other processes' work. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#stopping = false;
    this.#kick();
  }

  /** Stops the worker: a chunk being sent finishes, nothing new starts, held deliveries go back to the store. */
  async stop(): Promise<void> {
    this.#started = false;
    this.#stopping = true;
    if (this.#wakeTimer !== undefined) this.#timers.clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
    for (const sleep of this.#sleeps) {
      this.#timers.clearTimeout(sleep.handle);
      sleep.resolve();
    }
    await this.#claiming;
    await Promise.all(this.#inFlight);
  }

  /** Sends everything due now and waits for it (retries due later are left pending). For the CLI and tests. */
  async drain(): Promise<void> {
    this.#stopping = false;
    for (;;) {
      await this.#claim();
      if (this.#inFlight.size === 0) return;
      await Promise.all(this.#inFlight);
    }
  }

  /** Claims what is due and sets the next wake-up; a store failure backs off (the worker never stops on one). */
  #kick(): void {
    if (!this.#started) return;
    if (this.#claiming) {
      this.#kickAgain = true;
      return;
    }
    this.#claiming = (async () => {
      let wait: number;
      try {
        do {
          this.#kickAgain = false;
          await this.#claim();
        } while (this.#kickAgain && this.#started);
        wait = await this.#nextWake();
        this.#failures.succeeded('outbox');
      } catch (error) {
        wait = this.#failures.failed('outbox', error);
      }
      this.#claiming = undefined;
      this.#scheduleWake(wait);
    })();
  }

  async #nextWake(): Promise<number> {
    const due = await this.#store.nextClaimableAt();
    const now = this.#now();
    return due === undefined ? this.#pollIntervalMs : Math.min(Math.max(due - now, 0), this.#pollIntervalMs);
  }

  #scheduleWake(wait: number): void {
    if (!this.#started) return;
    if (this.#wakeTimer !== undefined) this.#timers.clearTimeout(this.#wakeTimer);
    this.#wakeTimer = this.#timers.setTimeout(() => {
      this.#wakeTimer = undefined;
      this.#kick();
    }, wait);
  }

  /** Claims what is due and starts one sender per target that has none running. */
  async #claim(): Promise<void> {
    const now = this.#now();
    const limit = this.#claimBatch - this.#claimed.size;
    if (limit <= 0) return;
    const due = await this.#store.claimDue({ now, owner: this.#owner, leaseMs: this.#leaseMs, limit });
    for (const delivery of due) {
      if (this.#claimed.has(delivery.id)) continue;
      this.#claimed.add(delivery.id);
      const key = targetKey(delivery);
      const queue = this.#queues.get(key);
      if (queue) {
        queue.push(delivery);
        continue;
      }
      this.#queues.set(key, [delivery]);
      const sender = this.#sendQueue(key)
        .catch((error) => {
          // The store failed mid-delivery: the lease runs out and the delivery is claimed again.
          this.#failures.failed('outbox', error);
        })
        .finally(() => {
          this.#inFlight.delete(sender);
          if (this.#started) this.#kick();
        });
      this.#inFlight.add(sender);
    }
  }

  async #sendQueue(key: string): Promise<void> {
    const queue = this.#queues.get(key) ?? [];
    try {
      for (let delivery = queue.shift(); delivery; delivery = queue.shift()) {
        try {
          if (this.#stopping) await this.#store.release(delivery.id);
          else await this.#deliver(delivery);
        } finally {
          this.#claimed.delete(delivery.id);
        }
      }
    } finally {
      this.#queues.delete(key);
    }
  }

  async #deliver(claimed: DeliveryRecord): Promise<void> {
    const id = claimed.id;
    if (!(await this.#store.renewLease(id, this.#owner, this.#now() + this.#leaseMs))) return;
    const delivery = (await this.#store.get(id)) ?? claimed;
    const channel = this.#channels.get(delivery.channel);
    if (!channel) {
      await this.#fail(
        delivery,
        new DeliveryError('delivery_unavailable', `channel "${delivery.channel}" is not configured`, {
          permanent: true,
        }),
      );
      return;
    }
    const chunks = await this.#store.chunks(id);
    if (chunks.length === 0 || chunks.length !== delivery.chunkCount) {
      // Delivered means every chunk was accepted; with none stored there is nothing that could be.
      await this.#fail(
        delivery,
        new DeliveryError(
          'delivery_failed',
          `${chunks.length} of ${delivery.chunkCount} chunks are stored: nothing to deliver`,
          { permanent: true },
        ),
      );
      return;
    }
    const target: DeliveryTarget = { channel: delivery.channel, to: delivery.to, thread: delivery.thread };
    const paceKey = `${delivery.to ?? ''}\u0000${delivery.thread ?? ''}`;
    let failuresInARow = delivery.failuresInARow;
    for (const chunk of chunks) {
      if (chunk.seq < delivery.chunksSent || chunk.sentAt !== undefined) continue;
      // Checked before the wait too: stop() ends the waits it finds, not one begun after it.
      if (!this.#stopping) {
        const wait = this.#pacer.reserve(channel.name, paceKey, channel.pacing, this.#now());
        if (wait > 0) await this.#sleep(wait);
      }
      if (this.#stopping) {
        await this.#store.release(id);
        return;
      }
      // The wait may have outlasted the lease and another worker taken the delivery over: it sends the rest.
      if (!(await this.#store.renewLease(id, this.#owner, this.#now() + this.#leaseMs))) return;
      let sent: Awaited<ReturnType<Channel['send']>>;
      try {
        sent = await channel
          .send(chunk.body, target, { deliveryId: id, seq: chunk.seq })
          .finally(() => this.#pacer.sent(channel.name, paceKey, channel.pacing, this.#now()));
      } catch (error) {
        const failure = asDeliveryError(error);
        const failures = failuresInARow + 1;
        if (failure.permanent) {
          await this.#fail(delivery, failure);
        } else if (failures >= this.#retry.maxAttempts) {
          await this.#fail(
            delivery,
            new DeliveryError(
              failure.code,
              `gave up after ${failures} attempts in a row: ${failure.message}`,
              {
                permanent: true,
                status: failure.status,
              },
            ),
          );
        } else {
          const now = this.#now();
          const backoff = Math.min(this.#retry.baseDelayMs * 2 ** (failures - 1), this.#retry.maxDelayMs);
          const delay = Math.max(backoff, failure.retryAfterMs ?? 0);
          if (failure.retryAfterMs) this.#pacer.pause(channel.name, paceKey, now + failure.retryAfterMs);
          await this.#store.markRetry(id, {
            now,
            nextAttemptAt: now + delay,
            error: failure.message,
            code: failure.code,
          });
          await this.#emit('retrying', id, failure);
        }
        return;
      }
      // Outside the channel's try: a store failure here is not the channel's, and must not count as a
      // failed send (the chunk was accepted; if this write is lost it is sent again: at least once).
      const now = this.#now();
      const note =
        sent.note === undefined || delivery.chunkCount < 2
          ? sent.note
          : `chunk ${chunk.seq + 1}/${delivery.chunkCount} ${sent.note}`;
      await this.#store.markChunkSent(id, chunk.seq, {
        now,
        remoteId: sent.remoteId,
        leaseUntil: now + this.#leaseMs,
        ...(note === undefined ? {} : { note }),
      });
      failuresInARow = 0;
    }
    await this.#store.markDelivered(id, this.#now());
    await this.#emit('delivered', id);
  }

  async #fail(delivery: DeliveryRecord, error: DeliveryError): Promise<void> {
    await this.#store.markFailed(delivery.id, { now: this.#now(), error: error.message, code: error.code });
    await this.#emit('failed', delivery.id, error);
  }

  async #emit(type: OutboxEvent['type'], id: string, error?: DeliveryError): Promise<void> {
    if (!this.#onEvent) return;
    const delivery = await this.#store.get(id);
    if (delivery) await this.#onEvent({ type, delivery, ...(error ? { error } : {}) });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleep: Sleep = {
        handle: undefined,
        resolve: () => {
          this.#sleeps.delete(sleep);
          resolve();
        },
      };
      sleep.handle = this.#timers.setTimeout(sleep.resolve, ms);
      this.#sleeps.add(sleep);
    });
  }
}

function targetKey(delivery: DeliveryRecord): string {
  return [delivery.channel, delivery.to ?? '', delivery.thread ?? ''].join('\u0000');
}

function asDeliveryError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DeliveryError('delivery_failed', message, { permanent: false, cause: error });
}
