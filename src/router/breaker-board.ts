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

  snapshot(model: string, now: number): BreakerSnapshot {
    return this.get(model).snapshot(now);
  }
}
