/** A daily cap a reservation counts against: `*` is every caller together, anything else one caller tag. */
export type SpendScope = { scope: string; capUsd: number };

/** Money held for one attempt until it is settled: its worst-case cost, on each scope it counts against. */
export type SpendHold = {
  id: string;
  /** The UTC day (`2025-01-31`); a scope's spent money starts, that day, as the ledger's requests since `dayStartMs`. */
  day: string;
  dayStartMs: number;
  scopes: SpendScope[];
  amountUsd: number;
  /** When an unsettled hold stops counting (the process that made it died), ms since epoch. */
  expiresAt: number;
};

/** A cap that refused: the scope, its cap, and what would be committed against it (spent plus held). */
export type SpendRefusal = { scope: string; capUsd: number; committedUsd: number };

/**
 * Spend-cap reservations. A scope's money on a day is what the ledger holds for it when the scope is
 * first used that day, plus every settled attempt since, plus what live holds reserve. Holding checks
 * every scope and reserves on all of them in one step, so concurrent holders (in one process, or in
 * several sharing a store) can never together pass a cap. Implementations for a single process may keep
 * a hold until it is settled, whatever its `expiresAt`.
 */
export interface SpendReservationStore {
  /** The first scope whose spent plus held money has reached its cap (`>=`), or undefined. */
  reached(
    day: string,
    dayStartMs: number,
    scopes: SpendScope[],
    now: number,
  ): Promise<SpendRefusal | undefined>;
  /**
   * Holds `amountUsd` on every scope of `hold`, unless that would pass a cap (`>`): then it holds nothing
   * and returns the first scope that refused. Resolves undefined when held.
   */
  reserve(hold: SpendHold, now: number): Promise<SpendRefusal | undefined>;
  /** Ends a hold: its scopes' spent money grows by `actualUsd` (also when the hold already lapsed). */
  settle(hold: Pick<SpendHold, 'id' | 'day' | 'scopes'>, actualUsd: number): Promise<void>;
}
