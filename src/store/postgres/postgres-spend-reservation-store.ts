import type { Pool, PoolClient } from 'pg';
import type {
  SpendRefusal,
  SpendReservationStore,
  SpendScope,
} from '../../contracts/spend-reservation-store.ts';
import { postgresTransaction } from './postgres-transaction.ts';

// A scope's row, the first time it is used on a day, starts from the ledger: every request of that day
// (all callers for `*`, one caller tag otherwise), summed exactly. Rows already there are left alone,
// and the ledger is not read for them.
const openScopesSql = `
  INSERT INTO spend_totals (day, scope, spent_usd)
  SELECT $1, wanted.scope, (
    SELECT COALESCE(SUM(cost_usd::text::numeric), 0)::float8 FROM requests
    WHERE started_at >= $2 AND (wanted.scope = '*' OR caller_tag = wanted.scope)
  )
  FROM unnest($3::text[]) AS wanted (scope)
  WHERE NOT EXISTS (SELECT 1 FROM spend_totals t WHERE t.day = $1 AND t.scope = wanted.scope)
  ON CONFLICT DO NOTHING`;

// Each scope's spent money; with FOR UPDATE (reserve) its row is locked, in scope order, so two holders
// of the same caps queue instead of deadlocking.
const spentSql = (lock: boolean) => `
  SELECT scope, spent_usd FROM spend_totals WHERE day = $1 AND scope = ANY ($2::text[])
  ORDER BY scope${lock ? ' FOR UPDATE' : ''}`;

// The live holds per scope. A statement of its own: under READ COMMITTED it sees every hold committed
// before it began, so once the lock above is held it sees every hold of these caps (a subquery of the
// locking statement would read the snapshot taken before the lock wait, and miss the holds made meanwhile).
const reservedSql = `
  SELECT scope, COALESCE(SUM(amount_usd::text::numeric), 0)::float8 AS reserved_usd FROM spend_reservations
  WHERE day = $1 AND scope = ANY ($2::text[]) AND expires_at > $3 GROUP BY scope`;

/**
 * Spend-cap reservations in PostgreSQL, shared by every process on the database: a hold is checked and
 * written under a row lock per cap (`spend_totals`), so holds made at once in different processes queue
 * on the cap and can never pass it together. A hold whose process died stops counting at its
 * `expiresAt`; lapsed holds are deleted by later holders.
 */
export function createPostgresSpendReservationStore(pool: Pool): SpendReservationStore {
  const totals = async (
    client: Pool | PoolClient,
    day: string,
    dayStartMs: number,
    scopes: SpendScope[],
    now: number,
    lock: boolean,
  ) => {
    const names = scopes.map((scope) => scope.scope).sort();
    await client.query(openScopesSql, [day, Math.floor(dayStartMs), names]);
    const spent = await client.query<{ scope: string; spent_usd: number }>(spentSql(lock), [day, names]);
    const reserved = await client.query<{ scope: string; reserved_usd: number }>(reservedSql, [
      day,
      names,
      Math.round(now),
    ]);
    const committed = new Map(spent.rows.map((row) => [row.scope, row.spent_usd]));
    for (const row of reserved.rows)
      committed.set(row.scope, (committed.get(row.scope) ?? 0) + row.reserved_usd);
    return committed;
  };

  return {
    async reached(day, dayStartMs, scopes, now) {
      const committed = await totals(pool, day, dayStartMs, scopes, now, false);
      for (const scope of scopes) {
        const value = committed.get(scope.scope) ?? 0;
        if (value >= scope.capUsd) return { scope: scope.scope, capUsd: scope.capUsd, committedUsd: value };
      }
      return undefined;
    },

    reserve(hold, now) {
      return postgresTransaction(pool, async (client): Promise<SpendRefusal | undefined> => {
        const committed = await totals(client, hold.day, hold.dayStartMs, hold.scopes, now, true);
        for (const scope of hold.scopes) {
          const value = (committed.get(scope.scope) ?? 0) + hold.amountUsd;
          if (value > scope.capUsd) return { scope: scope.scope, capUsd: scope.capUsd, committedUsd: value };
        }
        await client.query(
          `INSERT INTO spend_reservations (id, day, scope, amount_usd, expires_at)
           SELECT $1, $2, scope, $3, $4 FROM unnest($5::text[]) AS held (scope)`,
          [
            hold.id,
            hold.day,
            hold.amountUsd,
            Math.round(hold.expiresAt),
            hold.scopes.map((scope) => scope.scope),
          ],
        );
        // Holds of dead processes, past their time: gone (rows another transaction is settling are skipped).
        await client.query(
          `DELETE FROM spend_reservations WHERE ctid IN (
             SELECT ctid FROM spend_reservations WHERE expires_at <= $1 FOR UPDATE SKIP LOCKED)`,
          [Math.round(now)],
        );
        return undefined;
      });
    },

    settle(hold, actualUsd) {
      const names = hold.scopes.map((scope) => scope.scope).sort();
      return postgresTransaction(pool, async (client) => {
        // The caps' rows first, in scope order, as reserve takes them: no deadlock between the two.
        await client.query(
          'SELECT 1 FROM spend_totals WHERE day = $1 AND scope = ANY ($2::text[]) ORDER BY scope FOR UPDATE',
          [hold.day, names],
        );
        if (actualUsd !== 0) {
          await client.query(
            'UPDATE spend_totals SET spent_usd = spent_usd + $3 WHERE day = $1 AND scope = ANY ($2::text[])',
            [hold.day, names, actualUsd],
          );
        }
        await client.query('DELETE FROM spend_reservations WHERE id = $1', [hold.id]);
      });
    },
  };
}
