import type {
  SpendHold,
  SpendRefusal,
  SpendReservationStore,
  SpendScope,
} from '../contracts/spend-reservation-store.ts';

type Totals = { spent: number; reserved: number };

/**
 * Spend reservations in this process's memory, for a store only one process uses (SQLite): a scope's
 * spent money is read from the ledger (`sumCost`) the first time it is used each UTC day, then kept
 * here; holds live until settled. Only the current day is kept.
 */
export function createInProcessSpendReservations(
  sumCost: (sinceMs: number, callerTag?: string) => Promise<number>,
): SpendReservationStore {
  let day = '';
  let totals = new Map<string, Totals>();
  const holds = new Map<string, { day: string; amountUsd: number }>();

  const totalsOf = async (wanted: string, dayStartMs: number, scopes: SpendScope[]) => {
    if (wanted !== day) {
      day = wanted;
      totals = new Map();
    }
    // Captured: should the day turn while the ledger is read, this call finishes on its own day's totals.
    const current = totals;
    const result: Array<[SpendScope, Totals]> = [];
    for (const scope of scopes) {
      let entry = current.get(scope.scope);
      if (!entry) {
        const spent = await sumCost(dayStartMs, scope.scope === '*' ? undefined : scope.scope);
        entry = current.get(scope.scope) ?? { spent, reserved: 0 };
        current.set(scope.scope, entry);
      }
      result.push([scope, entry]);
    }
    return result;
  };

  return {
    async reached(wanted, dayStartMs, scopes) {
      for (const [scope, entry] of await totalsOf(wanted, dayStartMs, scopes)) {
        if (entry.spent + entry.reserved >= scope.capUsd)
          return { scope: scope.scope, capUsd: scope.capUsd, committedUsd: entry.spent + entry.reserved };
      }
      return undefined;
    },

    async reserve(hold: SpendHold): Promise<SpendRefusal | undefined> {
      const applicable = await totalsOf(hold.day, hold.dayStartMs, hold.scopes);
      for (const [scope, entry] of applicable) {
        const committed = entry.spent + entry.reserved + hold.amountUsd;
        if (committed > scope.capUsd)
          return { scope: scope.scope, capUsd: scope.capUsd, committedUsd: committed };
      }
      for (const [, entry] of applicable) entry.reserved += hold.amountUsd;
      holds.set(hold.id, { day: hold.day, amountUsd: hold.amountUsd });
      return undefined;
    },

    async settle(hold, actualUsd) {
      const held = holds.get(hold.id);
      holds.delete(hold.id);
      // Another day began: that day's totals start from the ledger, which has the real cost.
      if (hold.day !== day) return;
      for (const { scope } of hold.scopes) {
        const entry = totals.get(scope);
        if (!entry) continue;
        if (held) entry.reserved = Math.max(0, entry.reserved - held.amountUsd);
        entry.spent += actualUsd;
      }
    },
  };
}
