import type { BreakerConfig } from '../spec/pyramid-config.ts';
import { type BreakerSnapshot, CircuitBreaker } from './circuit-breaker.ts';

/**
 * The breakers of every model, created on first use. One board per router; the gateway's health
 * probes feed the same board so that a dead provider is skipped before a user request reaches it.
 */
export class BreakerBoard {
  readonly #config: BreakerConfig;
  readonly #breakers = new Map<string, CircuitBreaker>();

  constructor(config: BreakerConfig) {
    this.#config = config;
  }

  get(model: string): CircuitBreaker {
    let breaker = this.#breakers.get(model);
    if (!breaker) {
      breaker = new CircuitBreaker(this.#config);
      this.#breakers.set(model, breaker);
    }
    return breaker;
  }

  snapshot(model: string, now: number): BreakerSnapshot {
    return this.get(model).snapshot(now);
  }
}
