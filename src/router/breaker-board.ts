import type { BreakerConfig } from '../contracts/pyramid-config.ts';
import { type BreakerPermit, type BreakerSnapshot, CircuitBreaker } from './circuit-breaker.ts';

/**
 * Who may send a half-open trial call when several processes share the breakers: one process of the
 * platform wins it, the others keep the model open until `retryAt` (then they ask again).
 */
export type BreakerTrials = {
  claim(
    model: string,
    now: number,
    trialMs: number,
  ): Promise<{ won: true } | { won: false; retryAt: number }>;
};

export type BreakerBoardOptions = {
  /** Hears every model's breaker open (from closed) and close again, for alerts. */
  onChange?: (model: string, state: 'open' | 'closed', lastFailureReason?: string) => void;
  /** Hears a breaker open again after its trial failed (shared with the platform; no alert). */
  onReopen?: (model: string, retryAt: number, reason: string) => void;
  /** Half-open trials for the platform (a shared store); each process's own when omitted. */
  trials?: BreakerTrials;
};

/**
 * The breakers of every model, created on first use. One board per router; the gateway's health
 * probes feed the same board so that a dead provider is skipped before a user request reaches it.
 */
export class BreakerBoard {
  readonly #config: BreakerConfig;
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #options: BreakerBoardOptions;

  constructor(config: BreakerConfig, options: BreakerBoardOptions = {}) {
    this.#config = config;
    this.#options = options;
  }

  get(model: string): CircuitBreaker {
    let breaker = this.#breakers.get(model);
    if (!breaker) {
      const { onChange, onReopen } = this.#options;
      breaker = new CircuitBreaker(
        this.#config,
        onChange ? (state, reason) => onChange(model, state, reason) : undefined,
        onReopen ? (retryAt, reason) => onReopen(model, retryAt, reason) : undefined,
      );
      this.#breakers.set(model, breaker);
    }
    return breaker;
  }

  /**
   * `tryAcquire` on the model's breaker, and for a half-open trial the platform's claim on it
   * (`trialMs`: the longest the call can take): a trial another process holds is given back, and the
   * call skips the model (undefined). A claim the store cannot answer lets the trial go: one trial
   * too many is better than a model never tried again.
   */
  async acquire(model: string, now: number, trialMs: number): Promise<BreakerPermit | undefined> {
    const breaker = this.get(model);
    const permit = breaker.tryAcquire(now);
    const trials = this.#options.trials;
    if (permit?.kind !== 'probe' || !trials) return permit;
    const claim = await trials.claim(model, now, trialMs).catch(() => ({ won: true }) as const);
    if (claim.won) return permit;
    breaker.yieldTrial(permit, claim.retryAt);
    return undefined;
  }

  /**
   * Takes over the breakers of `models` from `previous`: the same breakers, so their state carries on
   * (a config reload builds a new board and keeps the breakers of models whose definition did not
   * change; every other model starts closed, while requests still on the old board finish there).
   */
  adopt(previous: BreakerBoard, models: Iterable<string>): void {
    for (const model of models) {
      const breaker = previous.#breakers.get(model);
      if (breaker) this.#breakers.set(model, breaker);
    }
  }

  snapshot(model: string, now: number): BreakerSnapshot {
    return this.get(model).snapshot(now);
  }
}
