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

/** Whose call it is: the caller tag (budgets.perTag), and the agent whose run made it (its spendCap). */
export type SpendCaller = {
  callerTag?: string | undefined;
  agent?: { id: string; capUsd: number } | undefined;
};

export type SpendGuardOptions = {
  /** Where holds live: this process's memory (one process), or a store several processes share. */
  reservations: SpendReservationStore;
  /** How long past the call's own time limit an unsettled hold keeps counting (its process died). */
  leaseMs?: number;
  newId?: () => string;
};

const GLOBAL = '*';

/** A scope to hold, and how a refusal by it is named. */
type LabelledScope = SpendScope & { label: string };

/**
 * Daily spend caps. Before a paid attempt the worst-case cost is reserved against every scope that
 * applies (global, the caller's tag, the agent whose run it is), so concurrent requests cannot overshoot
 * a cap together; after the attempt the reservation is replaced by the real cost. Spent amounts start
 * from the ledger each UTC day. An agent's money is its caller tag's (its runs call with the agent's id
 * as tag), so a per-tag cap and the agent's cap on one id are one scope, held to the lower cap.
 */
export class SpendGuard {
  readonly #config: BudgetConfig | undefined;
  readonly #reservations: SpendReservationStore;
  readonly #leaseMs: number;
  readonly #newId: () => string;

  /** `config` undefined: no daily or per-tag caps, only the agents' caps passed with each call. */
  constructor(config: BudgetConfig | undefined, options: SpendGuardOptions) {
    this.#config = config;
    this.#reservations = options.reservations;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#newId = options.newId ?? (() => crypto.randomUUID());
  }

  /** Whether tiers above `capTier` are refused instead of the whole request. */
  get onExceeded(): BudgetConfig['onExceeded'] {
    return this.#config?.onExceeded ?? 'refuse';
  }

  get capTier(): number {
    return this.#config?.capTier ?? 0;
  }

  /** Throws BudgetExceededError when any applicable cap is already reached. */
  async assertOpen(now: number, caller: SpendCaller): Promise<void> {
    const scopes = this.#scopes(caller);
    if (scopes.length === 0) return;
    const { day, dayStartMs } = utcDay(now);
    refuse(scopes, await this.#reservations.reached(day, dayStartMs, scopes.map(unlabelled), now));
  }

  /**
   * Holds `amountUsd` on every applicable scope, or throws BudgetExceededError if that would pass a cap.
   * `callMs` is the longest the attempt can take (its total timeout): an unsettled hold counts that long
   * plus the lease. Undefined when no cap applies.
   */
  async reserve(
    now: number,
    caller: SpendCaller,
    amountUsd: number,
    callMs: number,
  ): Promise<Reservation | undefined> {
    const labelled = this.#scopes(caller);
    if (labelled.length === 0) return undefined;
    const scopes = labelled.map(unlabelled);
    const { day, dayStartMs } = utcDay(now);
    const hold: SpendHold = {
      id: this.#newId(),
      day,
      dayStartMs,
      scopes,
      amountUsd,
      expiresAt: now + callMs + this.#leaseMs,
    };
    refuse(labelled, await this.#reservations.reserve(hold, now));
    return { id: hold.id, day, scopes, amountUsd };
  }

  /** Replaces a reservation by what the attempt really cost. */
  settle(reservation: Reservation, actualUsd: number): Promise<void> {
    return this.#reservations.settle(reservation, actualUsd);
  }

  #scopes({ callerTag, agent }: SpendCaller): LabelledScope[] {
    const scopes: LabelledScope[] = [];
    const config = this.#config;
    if (config?.dailyUsd !== undefined)
      scopes.push({ scope: GLOBAL, capUsd: config.dailyUsd, label: 'all callers' });
    if (callerTag !== undefined && config?.perTag[callerTag] !== undefined)
      scopes.push({ scope: callerTag, capUsd: config.perTag[callerTag], label: `caller "${callerTag}"` });
    if (agent) {
      const label = `agent "${agent.id}"`;
      const same = scopes.find((scope) => scope.scope === agent.id);
      if (!same) scopes.push({ scope: agent.id, capUsd: agent.capUsd, label });
      else if (agent.capUsd < same.capUsd) Object.assign(same, { capUsd: agent.capUsd, label });
    }
    return scopes;
  }
}

function unlabelled({ scope, capUsd }: LabelledScope): SpendScope {
  return { scope, capUsd };
}

function utcDay(now: number): { day: string; dayStartMs: number } {
  const day = new Date(now).toISOString().slice(0, 10);
  return { day, dayStartMs: Date.parse(`${day}T00:00:00Z`) };
}

function refuse(scopes: LabelledScope[], refusal: SpendRefusal | undefined): void {
  if (!refusal) return;
  const label = scopes.find((scope) => scope.scope === refusal.scope)?.label ?? `caller "${refusal.scope}"`;
  throw new BudgetExceededError(label, refusal.capUsd, refusal.committedUsd);
}
