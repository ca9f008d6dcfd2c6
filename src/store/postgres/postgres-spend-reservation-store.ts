import type { Pool } from 'pg';
import type {
  SpendHold,
  SpendRefusal,
  SpendReservationStore,
  SpendScope,
} from '../../contracts/spend-reservation-store.ts';

type RefusalRow = { scope: string; cap_usd: number; committed_usd: number };

/**
 * Spend-cap reservations in PostgreSQL, shared by every process on the database: a hold is checked and
 * written under a row lock per cap (`spend_totals`), so holds made at once in different processes queue
 * on the cap and can never pass it together. Each method is one call of a function of migration 0004,
 * so a cap's lock is held on the server for that call only, never across round trips. A hold whose
 * process died stops counting at its `expiresAt`; lapsed holds are deleted by later holders.
 */
export function createPostgresSpendReservationStore(pool: Pool): SpendReservationStore {
  const check = async (
    hold: Pick<SpendHold, 'id' | 'day' | 'dayStartMs' | 'amountUsd' | 'expiresAt'> & { scopes: SpendScope[] },
    now: number,
    holding: boolean,
  ): Promise<SpendRefusal | undefined> => {
    const { rows } = await pool.query<RefusalRow>(
      'SELECT scope, cap_usd, committed_usd FROM pyramid_reserve_spend($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [
        hold.id,
        hold.day,
        Math.floor(hold.dayStartMs),
        hold.scopes.map((scope) => scope.scope),
        hold.scopes.map((scope) => scope.capUsd),
        hold.amountUsd,
        Math.round(hold.expiresAt),
        Math.round(now),
        holding,
      ],
    );
    const refused = rows[0];
    return refused && { scope: refused.scope, capUsd: refused.cap_usd, committedUsd: refused.committed_usd };
  };

  return {
    reached: (day, dayStartMs, scopes, now) =>
      check({ id: '', day, dayStartMs, scopes, amountUsd: 0, expiresAt: 0 }, now, false),

    reserve: (hold, now) => check(hold, now, true),

    async settle(hold, actualUsd) {
      await pool.query('SELECT pyramid_settle_spend($1, $2, $3, $4)', [
        hold.id,
        hold.day,
        hold.scopes.map((scope) => scope.scope),
        actualUsd,
      ]);
    },
  };
}
