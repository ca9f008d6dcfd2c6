import type { BreakerConfig } from '../contracts/pyramid-config.ts';
import { type BreakerSnapshot, CircuitBreaker } from './circuit-breaker.ts';

/**
 * The breakers of every model, created on first use. One board per router; the gateway's health
 * probes feed the same board so that a dead provider is skipped before a user request reaches it.
 */
export class BreakerBoard {
  readonly #config: BreakerConfig;
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #onChange?: (model: string, state: 'open' | 'closed', lastFailureReason?: string) => void;

  /** `onChange` hears every model's breaker open (from closed) and close again, for alerts. */
  constructor(
    config: BreakerConfig,
    options: {
      onChange?: (model: string, state: 'open' | 'closed', lastFailureReason?: string) => void;
    } = {},
  ) {
    this.#config = config;
    this.#onChange = options.onChange;
  }

  get(model: string): CircuitBreaker {
    let breaker = this.#breakers.get(model);
    if (!breaker) {
      const onChange = this.#onChange;
      breaker = new CircuitBreaker(
        this.#config,
        onChange ? (state, reason) => onChange(model, state, reason) : undefined,
      );
      this.#breakers.set(model, breaker);
    }
    return breaker;
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
