import { BudgetExceededError } from '../contracts/errors/budget-exceeded-error.ts';
import type { BudgetConfig } from '../contracts/pyramid-config.ts';
import type { RequestLedger } from '../contracts/request-ledger.ts';

/** A hold on budget for one attempt; settle it with the real cost when the attempt ends. */
export type Reservation = { scopes: string[]; amountUsd: number; day: string };

type Scope = { cap: number; spent: number; reserved: number };

const GLOBAL = '*';

/**
 * Daily spend caps. Before a paid attempt the worst-case cost is reserved against every scope that
 * applies (global, the caller's tag), so concurrent requests cannot overshoot a cap together; after the
 * attempt the reservation is replaced by the real cost. Spent amounts start from the ledger each UTC day.
 */
export class SpendGuard {
  readonly #config: BudgetConfig;
  readonly #ledger: RequestLedger;
  #day = '';
  #scopes = new Map<string, Scope>();

  constructor(config: BudgetConfig, ledger: RequestLedger) {
    this.#config = config;
    this.#ledger = ledger;
  }

  /** Whether tiers above `capTier` are refused instead of the whole request. */
  get onExceeded(): BudgetConfig['onExceeded'] {
    return this.#config.onExceeded;
  }

  get capTier(): number {
    return this.#config.capTier;
  }

  /** Throws BudgetExceededError when any applicable cap is already reached. */
  async assertOpen(now: number, callerTag: string | undefined): Promise<void> {
    for (const [name, scope] of await this.#applicable(now, callerTag)) {
      if (scope.spent + scope.reserved >= scope.cap)
        throw new BudgetExceededError(label(name), scope.cap, scope.spent + scope.reserved);
    }
  }

  /** Holds `amountUsd` on every applicable scope, or throws BudgetExceededError if that would pass a cap. */
  async reserve(now: number, callerTag: string | undefined, amountUsd: number): Promise<Reservation> {
    const applicable = await this.#applicable(now, callerTag);
    for (const [name, scope] of applicable) {
      if (scope.spent + scope.reserved + amountUsd > scope.cap) {
        throw new BudgetExceededError(label(name), scope.cap, scope.spent + scope.reserved + amountUsd);
      }
    }
    for (const [, scope] of applicable) scope.reserved += amountUsd;
    return { scopes: applicable.map(([name]) => name), amountUsd, day: this.#day };
  }

  /** Replaces a reservation by what the attempt really cost. */
  settle(reservation: Reservation, actualUsd: number): void {
    if (reservation.day !== this.#day) return; // a new day started: the ledger already has the real cost
    for (const name of reservation.scopes) {
      const scope = this.#scopes.get(name);
      if (!scope) continue;
      scope.reserved = Math.max(0, scope.reserved - reservation.amountUsd);
      scope.spent += actualUsd;
    }
  }

  async #applicable(now: number, callerTag: string | undefined): Promise<Array<[string, Scope]>> {
    const day = new Date(now).toISOString().slice(0, 10);
    if (day !== this.#day) {
      this.#day = day;
      this.#scopes = new Map();
    }
    const wanted: Array<[string, number]> = [];
    if (this.#config.dailyUsd !== undefined) wanted.push([GLOBAL, this.#config.dailyUsd]);
    if (callerTag !== undefined && this.#config.perTag[callerTag] !== undefined) {
      wanted.push([callerTag, this.#config.perTag[callerTag]]);
    }
    const result: Array<[string, Scope]> = [];
    for (const [name, cap] of wanted) {
      let scope = this.#scopes.get(name);
      if (!scope) {
        const since = Date.parse(`${day}T00:00:00Z`);
        const spent = await this.#ledger.spentSince(since, name === GLOBAL ? undefined : name);
        scope = this.#scopes.get(name) ?? { cap, spent, reserved: 0 };
        this.#scopes.set(name, scope);
      }
      result.push([name, scope]);
    }
    return result;
  }
}

function label(scope: string): string {
  return scope === GLOBAL ? 'all callers' : `caller "${scope}"`;
}
