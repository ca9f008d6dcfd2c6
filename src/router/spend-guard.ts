import { BudgetExceededError } from '../contracts/errors/budget-exceeded-error.ts';
import type { BudgetConfig } from '../contracts/pyramid-config.ts';
import type {
  SpendHold,
  SpendRefusal,
  SpendReservationStore,
  SpendScope,
} from '../contracts/spend-reservation-store.ts';

/** A hold on budget for one attempt; settle it with the real cost when the attempt ends. */
export type Reservation = Pick<SpendHold, 'id' | 'day' | 'scopes' | 'amountUsd'>;

export type SpendGuardOptions = {
  /** Where holds live: this process's memory (one process), or a store several processes share. */
  reservations: SpendReservationStore;
  /** How long past the call's own time limit an unsettled hold keeps counting (its process died). */
  leaseMs?: number;
  newId?: () => string;
};

const GLOBAL = '*';

/**
 * Daily spend caps. Before a paid attempt the worst-case cost is reserved against every scope that
 * applies (global, the caller's tag), so concurrent requests cannot overshoot a cap together; after the
 * attempt the reservation is replaced by the real cost. Spent amounts start from the ledger each UTC day.
 */
export class SpendGuard {
  readonly #config: BudgetConfig;
  readonly #reservations: SpendReservationStore;
  readonly #leaseMs: number;
  readonly #newId: () => string;

  constructor(config: BudgetConfig, options: SpendGuardOptions) {
    this.#config = config;
    this.#reservations = options.reservations;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#newId = options.newId ?? (() => crypto.randomUUID());
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
    const scopes = this.#scopes(callerTag);
    if (scopes.length === 0) return;
    const { day, dayStartMs } = utcDay(now);
    refuse(await this.#reservations.reached(day, dayStartMs, scopes, now));
  }

  /**
   * Holds `amountUsd` on every applicable scope, or throws BudgetExceededError if that would pass a cap.
   * `callMs` is the longest the attempt can take (its total timeout): an unsettled hold counts that long
   * plus the lease. Undefined when no cap applies.
   */
  async reserve(
    now: number,
    callerTag: string | undefined,
    amountUsd: number,
    callMs: number,
  ): Promise<Reservation | undefined> {
    const scopes = this.#scopes(callerTag);
    if (scopes.length === 0) return undefined;
    const { day, dayStartMs } = utcDay(now);
    const hold: SpendHold = {
      id: this.#newId(),
      day,
      dayStartMs,
      scopes,
      amountUsd,
      expiresAt: now + callMs + this.#leaseMs,
    };
    refuse(await this.#reservations.reserve(hold, now));
    return { id: hold.id, day, scopes, amountUsd };
  }

  /** Replaces a reservation by what the attempt really cost. */
  settle(reservation: Reservation, actualUsd: number): Promise<void> {
    return this.#reservations.settle(reservation, actualUsd);
  }

  #scopes(callerTag: string | undefined): SpendScope[] {
    const scopes: SpendScope[] = [];
    if (this.#config.dailyUsd !== undefined) scopes.push({ scope: GLOBAL, capUsd: this.#config.dailyUsd });
    if (callerTag !== undefined && this.#config.perTag[callerTag] !== undefined)
      scopes.push({ scope: callerTag, capUsd: this.#config.perTag[callerTag] });
    return scopes;
  }
}

function utcDay(now: number): { day: string; dayStartMs: number } {
  const day = new Date(now).toISOString().slice(0, 10);
  return { day, dayStartMs: Date.parse(`${day}T00:00:00Z`) };
}

function refuse(refusal: SpendRefusal | undefined): void {
  if (!refusal) return;
  const label = refusal.scope === GLOBAL ? 'all callers' : `caller "${refusal.scope}"`;
  throw new BudgetExceededError(label, refusal.capUsd, refusal.committedUsd);
}
