import type { BreakerStateStore, SharedBreakerState } from '../contracts/breaker-state-store.ts';
import type { BreakerBoard, BreakerTrials } from './breaker-board.ts';

export type SharedBreakersTimers = {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

export type SharedBreakersOptions = {
  board: BreakerBoard;
  store: BreakerStateStore;
  /** This process, as the store names who changed a state. */
  owner: string;
  /** Whether a model is one this process routes to (states of others are left alone). */
  isModel: (model: string) => boolean;
  /**
   * Hears each platform-wide change once, in order, whichever process made it, with its epoch: the
   * alerts (every process hears the same changes, and the alert's claim decides which one sends it).
   */
  onChange: (model: string, state: 'open' | 'closed', reason: string | undefined, epoch: number) => void;
  /** A failed read or write of the shared states (the store's status already tells readiness). */
  onError?: (error: unknown) => void;
  /** How often the platform's states are read (default 500 ms). */
  intervalMs?: number;
  /**
   * While another process's trial call is out, how long this process skips the model before it asks
   * again (default 1 s); the trial's result, read every `intervalMs`, usually comes first.
   */
  trialRecheckMs?: number;
  now?: () => number;
  /** The global timers (unref'd) when omitted. */
  timers?: SharedBreakersTimers;
};

const systemTimers: SharedBreakersTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * The breakers of several processes sharing one store, kept as one. A breaker this process opens (from
 * closed), reopens after a failed trial, or closes is written to the store; every `intervalMs` the
 * platform's states are read, and a change another process made is applied to this process's breaker
 * (`adoptOpen`, `adoptClosed`), so a model one process finds down is skipped by the others within about
 * that long, without their calling it. A half-open trial is claimed in the store (`trials`), so one
 * process of the platform sends it and the others skip the model until its result is shared. A polled
 * table rather than LISTEN/NOTIFY: it needs no connection of its own, works through poolers in
 * transaction mode, and a process that was away catches up by reading it once.
 */
export class SharedBreakers {
  readonly #options: SharedBreakersOptions;
  readonly #now: () => number;
  readonly #timers: SharedBreakersTimers;
  /** The latest platform epoch applied here, per model. */
  readonly #epochs = new Map<string, number>();
  /** The outage (its opening epoch) last heard as open here, per model: a reopening is not news. */
  readonly #outages = new Map<string, number>();
  #board: BreakerBoard;
  #timer: unknown;
  #running = false;

  constructor(options: SharedBreakersOptions) {
    this.#options = options;
    this.#board = options.board;
    this.#now = options.now ?? Date.now;
    this.#timers = options.timers ?? systemTimers;
  }

  /** This process's breaker for `model` opened (from closed) or closed: the board's `onChange`. */
  localChanged(model: string, state: 'open' | 'closed', reason?: string): void {
    const now = this.#now();
    const retryAt = state === 'open' ? this.#board.snapshot(model, now).retryAt : undefined;
    void this.#options.store
      .transition({
        model,
        state,
        ...(retryAt === undefined ? {} : { retryAt }),
        ...(reason === undefined ? {} : { reason }),
        by: this.#options.owner,
        at: now,
      })
      .then(
        (outcome) => {
          if (outcome) this.#apply(outcome.state);
        },
        this.#options.onError ?? (() => {}),
      );
  }

  /** This process's breaker for `model` opened again after its trial failed (the board's `onReopen`). */
  localReopened(model: string, retryAt: number, reason: string): void {
    void this.#options.store
      .transition({ model, state: 'open', retryAt, reason, by: this.#options.owner, at: this.#now() })
      .then(
        (outcome) => {
          if (outcome) this.#apply(outcome.state);
        },
        this.#options.onError ?? (() => {}),
      );
  }

  /** The board's `trials`: the platform's half-open trial of a model, claimed in the store. */
  readonly trials: BreakerTrials = {
    claim: async (model, now, trialMs) => {
      const claim = await this.#options.store.claimTrial(model, this.#options.owner, now, now + trialMs);
      if (claim.won) return claim;
      const recheck = this.#options.trialRecheckMs ?? 1000;
      return {
        won: false,
        retryAt: claim.trialInFlight ? Math.min(claim.retryAt, now + recheck) : claim.retryAt,
      };
    },
  };

  /**
   * A config reload built a new board (adopting the breakers of unchanged models): follow that one,
   * and apply the platform's states to it afresh so that a changed model's new breaker is not closed
   * where the platform's is open. Re-applied changes carry epochs already claimed, so no alert repeats.
   */
  useBoard(board: BreakerBoard): Promise<void> {
    this.#board = board;
    this.#epochs.clear();
    this.#outages.clear();
    return this.poll();
  }

  /** Reads the platform's states once and applies what changed since the last read. */
  async poll(): Promise<void> {
    for (const state of await this.#options.store.list()) this.#apply(state);
  }

  /** Reads now, then every `intervalMs` until stop(). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const tick = async () => {
      try {
        await this.poll();
      } catch (error) {
        this.#options.onError?.(error);
      }
      if (this.#running) this.#timer = this.#timers.setTimeout(tick, this.#options.intervalMs ?? 500);
    };
    void tick();
  }

  stop(): void {
    this.#running = false;
    this.#timers.clearTimeout(this.#timer);
  }

  #apply(state: SharedBreakerState): void {
    if (!this.#options.isModel(state.model)) return;
    if (state.epoch <= (this.#epochs.get(state.model) ?? 0)) return;
    this.#epochs.set(state.model, state.epoch);
    const breaker = this.#board.get(state.model);
    if (state.state === 'closed') {
      breaker.adoptClosed();
      this.#outages.delete(state.model);
      this.#options.onChange(state.model, 'closed', state.reason, state.epoch);
      return;
    }
    breaker.adoptOpen(state.retryAt ?? state.changedAt, state.reason, state.changedAt);
    // Alerted under the epoch the outage began at: a reopening (a failed trial) is the same alert,
    // whichever process hears it first and whenever it started.
    const outage = state.openedEpoch ?? state.epoch;
    if (this.#outages.get(state.model) === outage) return;
    this.#outages.set(state.model, outage);
    this.#options.onChange(state.model, 'open', state.reason, outage);
  }
}
