import type { AlertsConfig } from '../contracts/delivery.ts';
import type { OutboxMessage } from './outbox.ts';

const hourMs = 3_600_000;

export type AlerterOptions = {
  /** Where alerts go (the outbox's `enqueue`). */
  outbox: { enqueue(message: OutboxMessage): Promise<string[]> };
  config: AlertsConfig;
  now?: () => number;
};

/**
 * Operational alerts to the `alerts:` targets, rate-limited so an outage does not flood the chat: one
 * alert per subject per `repeatMs`, at most `maxPerHour` overall. Held-back alerts are counted and the
 * count rides along with the next alert on that subject. State is in memory.
 */
export class Alerter {
  readonly #outbox: AlerterOptions['outbox'];
  readonly #config: AlertsConfig;
  readonly #now: () => number;
  readonly #lastSent = new Map<string, number>();
  readonly #heldBack = new Map<string, number>();
  readonly #sentTimes: number[] = [];
  readonly #jobFailures = new Map<string, number>();

  constructor(options: AlerterOptions) {
    this.#outbox = options.outbox;
    this.#config = options.config;
    this.#now = options.now ?? Date.now;
  }

  /** Sends `text` about `subject` unless the rate limits hold it back; true when it was queued. */
  alert(subject: string, text: string): boolean {
    if (this.#config.targets.length === 0) return false;
    const now = this.#now();
    while (this.#sentTimes.length > 0 && this.#sentTimes[0] <= now - hourMs) this.#sentTimes.shift();
    const last = this.#lastSent.get(subject);
    if (
      (last !== undefined && now - last < this.#config.repeatMs) ||
      this.#sentTimes.length >= this.#config.maxPerHour
    ) {
      this.#heldBack.set(subject, (this.#heldBack.get(subject) ?? 0) + 1);
      return false;
    }
    const held = this.#heldBack.get(subject) ?? 0;
    this.#heldBack.delete(subject);
    this.#lastSent.set(subject, now);
    this.#sentTimes.push(now);
    const suffix =
      held > 0 ? `\n\n(${held} similar alert${held === 1 ? '' : 's'} held back since the last one)` : '';
    // An alert that cannot be stored is lost with it: the store's failure is logged and makes readiness fail.
    void this.#outbox
      .enqueue({ kind: 'alert', text: `${text}${suffix}`, targets: this.#config.targets })
      .catch(() => {});
    return true;
  }

  /** A model's circuit breaker opened or closed. */
  breakerChanged(model: string, state: 'open' | 'closed', reason?: string): boolean {
    const text =
      state === 'open'
        ? `⚠️ **Breaker open** for model \`${model}\`: requests skip it for now${reason ? ` (last failure: ${reason})` : ''}.`
        : `✅ **Breaker closed** for model \`${model}\`: it answers again.`;
    return this.alert(`breaker:${model}:${state}`, text);
  }

  /** A job's run ended; `jobFailures` failures in a row raise one alert, and the next success says so. */
  jobFinished(run: { jobId: string; runId: string; ok: boolean; error?: string }): boolean {
    const failures = run.ok ? 0 : (this.#jobFailures.get(run.jobId) ?? 0) + 1;
    const before = this.#jobFailures.get(run.jobId) ?? 0;
    this.#jobFailures.set(run.jobId, failures);
    const threshold = this.#config.jobFailures;
    if (!run.ok && failures === threshold) {
      return this.alert(
        `job:${run.jobId}:failing`,
        `⚠️ **Job \`${run.jobId}\` failed ${failures} times in a row** (last run ${run.runId}${run.error ? `: ${run.error}` : ''}).`,
      );
    }
    if (run.ok && before >= threshold) {
      return this.alert(
        `job:${run.jobId}:recovered`,
        `✅ **Job \`${run.jobId}\` recovered** (run ${run.runId} succeeded).`,
      );
    }
    return false;
  }
}
