import type { AlertLimitStore } from '../contracts/alert-limit-store.ts';
import type { AlertsConfig } from '../contracts/delivery.ts';
import type { OutboxMessage } from './outbox.ts';

const hourMs = 3_600_000;
const defaultSettleMs = 5000;

export type AlerterTimers = {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

export type AlerterOptions = {
  /** Where alerts go (the outbox's `enqueue`). */
  outbox: { enqueue(message: OutboxMessage): Promise<string[]> };
  config: AlertsConfig;
  now?: () => number;
  /** For the settle time of breaker alerts; the global timers (unref'd) when omitted. */
  timers?: AlerterTimers;
  /**
   * Several processes sharing a store: true for the one process that may send the alert with this key
   * (the first to claim it). A breaker alert that comes with its platform epoch is sent only when
   * claimed, so the platform sends it once, not once per process.
   */
  claim?: (key: string) => Promise<boolean>;
  /**
   * Several processes sharing a store: the rate limits (`repeat`, `maxPerHour`) are the platform's,
   * decided there; this process's own count stands in while the store cannot answer.
   */
  limits?: AlertLimitStore;
};

const systemTimers: AlerterTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** One model's breaker as the alerts see it: the state last told, and a change waiting to hold. */
type BreakerWatch = {
  told: 'open' | 'closed';
  pending?: { state: 'open' | 'closed'; reason?: string; epoch?: number; since: number; timer: unknown };
  /** Changes that did not hold for the settle time since the last alert, for the next one to say. */
  suppressed: Record<'open' | 'closed', number>;
};

/**
 * Operational alerts to the `alerts:` targets, rate-limited so an outage does not flood the chat: one
 * alert per subject per `repeatMs`, at most `maxPerHour` overall. Held-back alerts are counted and the
 * count rides along with the next alert on that subject. State is in memory, or with `limits` in the
 * store the processes share.
 */
export class Alerter {
  readonly #outbox: AlerterOptions['outbox'];
  #config: AlertsConfig;
  readonly #now: () => number;
  readonly #lastSent = new Map<string, number>();
  readonly #heldBack = new Map<string, number>();
  readonly #sentTimes: number[] = [];
  readonly #jobFailures = new Map<string, number>();
  readonly #timers: AlerterTimers;
  readonly #breakers = new Map<string, BreakerWatch>();
  readonly #claim?: (key: string) => Promise<boolean>;
  readonly #limits?: AlertLimitStore;
  /** Alerts handed to the shared limits and not decided yet. */
  readonly #deciding = new Set<Promise<void>>();

  constructor(options: AlerterOptions) {
    this.#outbox = options.outbox;
    this.#claim = options.claim;
    this.#limits = options.limits;
    this.#config = options.config;
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? systemTimers;
  }

  /** The `alerts:` settings from now on (a config reload); what was sent and held back is kept. */
  reconfigure(config: AlertsConfig): void {
    this.#config = config;
  }

  /**
   * Sends `text` about `subject` unless the rate limits hold it back; true when it was queued (with
   * shared `limits`: when it was handed to them, which decide afterwards; see `settled`).
   * `ignoreRepeat` is for news that contradicts the last alert (a breaker that was told closed is open
   * again): the per-subject repeat limit would leave the chat saying something false.
   */
  alert(subject: string, text: string, options: { ignoreRepeat?: boolean } = {}): boolean {
    if (this.#config.targets.length === 0) return false;
    const now = this.#now();
    const ignoreRepeat = options.ignoreRepeat === true;
    const targets = this.#config.targets;
    if (!this.#limits) {
      const held = this.#take(subject, now, ignoreRepeat);
      if (held === undefined) return false;
      this.#enqueue(text, held, targets);
      return true;
    }
    const limits = { repeatMs: this.#config.repeatMs, maxPerHour: this.#config.maxPerHour, ignoreRepeat };
    const deciding: Promise<void> = this.#limits.take(subject, now, limits).then(
      (decision) => {
        if (decision.send) this.#enqueue(text, decision.heldBack, targets);
      },
      () => {
        // The store cannot answer: this process's own limits decide, rather than no alert or a flood.
        const held = this.#take(subject, now, ignoreRepeat);
        if (held !== undefined) this.#enqueue(text, held, targets);
      },
    );
    this.#deciding.add(deciding);
    void deciding.finally(() => this.#deciding.delete(deciding));
    return true;
  }

  /** Resolves once every alert handed to the shared limits so far is decided (and queued if sent). */
  async settled(): Promise<void> {
    while (this.#deciding.size > 0) await Promise.all([...this.#deciding]);
  }

  /** This process's limits: the held-back count to report when the alert may go, undefined when held back. */
  #take(subject: string, now: number, ignoreRepeat: boolean): number | undefined {
    while (this.#sentTimes.length > 0 && this.#sentTimes[0] <= now - hourMs) this.#sentTimes.shift();
    const last = this.#lastSent.get(subject);
    if (
      (!ignoreRepeat && last !== undefined && now - last < this.#config.repeatMs) ||
      this.#sentTimes.length >= this.#config.maxPerHour
    ) {
      this.#heldBack.set(subject, (this.#heldBack.get(subject) ?? 0) + 1);
      return undefined;
    }
    const held = this.#heldBack.get(subject) ?? 0;
    this.#heldBack.delete(subject);
    this.#lastSent.set(subject, now);
    this.#sentTimes.push(now);
    return held;
  }

  #enqueue(text: string, held: number, targets: AlertsConfig['targets']): void {
    const suffix =
      held > 0 ? `\n\n(${held} similar alert${held === 1 ? '' : 's'} held back since the last one)` : '';
    // An alert that cannot be stored is lost with it: the store's failure is logged and makes readiness fail.
    void this.#outbox.enqueue({ kind: 'alert', text: `${text}${suffix}`, targets }).catch(() => {});
  }

  /**
   * A model's circuit breaker opened or closed. The new state is alerted only once it has held for the
   * settle time: a breaker that closes and reopens within it (flapping) sends no false "answers again",
   * and the next alert says how many such brief changes were not sent. `epoch` is the change's
   * platform epoch when several processes share the breakers: the alert is then sent by whichever
   * process claims it first (each hears the same changes).
   */
  breakerChanged(model: string, state: 'open' | 'closed', reason?: string, epoch?: number): void {
    if (this.#config.targets.length === 0) return;
    const settleMs = this.#config.settleMs ?? defaultSettleMs;
    let watch = this.#breakers.get(model);
    if (!watch) {
      watch = { told: 'closed', suppressed: { open: 0, closed: 0 } };
      this.#breakers.set(model, watch);
    }
    if (watch.pending) {
      // The change waiting to hold did not: it is suppressed, and this one replaces it.
      this.#timers.clearTimeout(watch.pending.timer);
      watch.suppressed[watch.pending.state] += 1;
      watch.pending = undefined;
    }
    // Back to the state last told before the change held: nothing to send now.
    if (state === watch.told) return;
    if (settleMs <= 0) {
      this.#sendBreaker(model, watch, state, reason, 0, epoch);
      return;
    }
    const since = this.#now();
    const timer = this.#timers.setTimeout(() => {
      if (watch.pending?.timer !== timer) return;
      watch.pending = undefined;
      this.#sendBreaker(model, watch, state, reason, this.#now() - since, epoch);
    }, settleMs);
    watch.pending = { state, reason, ...(epoch === undefined ? {} : { epoch }), since, timer };
  }

  #sendBreaker(
    model: string,
    watch: BreakerWatch,
    state: 'open' | 'closed',
    reason: string | undefined,
    heldMs: number,
    epoch: number | undefined,
  ): void {
    const { suppressed } = watch;
    watch.told = state;
    watch.suppressed = { open: 0, closed: 0 };
    const held = heldMs > 0 ? ` (held ${Math.round(heldMs / 1000)} s)` : '';
    const text =
      state === 'open'
        ? `⚠️ **Breaker open** for model \`${model}\`: requests skip it for now${reason ? ` (last failure: ${reason})` : ''}${held}.`
        : `✅ **Breaker closed** for model \`${model}\`: it answers again${held}.`;
    const settle = `${Math.round((this.#config.settleMs ?? defaultSettleMs) / 1000)} s`;
    const brief = (['closed', 'open'] as const)
      .filter((change) => suppressed[change] > 0)
      .map(
        (change) =>
          `${change === 'open' ? 'opened' : 'closed'} ${suppressed[change]} time${suppressed[change] === 1 ? '' : 's'}`,
      );
    const note =
      brief.length > 0
        ? `\n\n(since the last breaker alert it also ${brief.join(' and ')} for less than ${settle}; not sent, as it did not hold)`
        : '';
    // Each breaker alert differs from the one before (it is sent only when the state held and changed),
    // so only maxPerHour limits it: the repeat limit would silence a reopening after a true close.
    const send = () => this.alert(`breaker:${model}:${state}`, `${text}${note}`, { ignoreRepeat: true });
    if (epoch === undefined || !this.#claim) {
      send();
      return;
    }
    // Whichever process claims the change first sends it. A claim the store cannot take is sent all
    // the same: an alert twice is better than none.
    this.#claim(`breaker:${model}:${state}:${epoch}`).then(
      (claimed) => {
        if (claimed) send();
      },
      () => send(),
    );
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
