import pg from 'pg';
import { StoreError } from '../../contracts/errors/store-error.ts';
import type { SharedStores, StoreSet, Stores } from '../../contracts/stores.ts';
import { forwardStores } from '../forward-stores.ts';
import type { MethodKind } from '../store-methods.ts';
import { StoreStatusTracker } from '../store-status-tracker.ts';
import { describePostgresUrl } from './describe-postgres-url.ts';
import { createPostgresAlertLimitStore } from './postgres-alert-limit-store.ts';
import { createPostgresBreakerStateStore } from './postgres-breaker-state-store.ts';
import { createPostgresDashboardStore } from './postgres-dashboard-store.ts';
import { createPostgresDeliveryStore } from './postgres-delivery-store.ts';
import { createPostgresHistoryPruner } from './postgres-history-pruner.ts';
import { createPostgresLaneHoldStore } from './postgres-lane-hold-store.ts';
import { createPostgresLedgerStore } from './postgres-ledger-store.ts';
import { postgresMigrations } from './postgres-migrations.ts';
import { createPostgresProcessRegistry } from './postgres-process-registry.ts';
import { createPostgresResponseStore } from './postgres-response-store.ts';
import { createPostgresSchedulerStore } from './postgres-scheduler-store.ts';
import { createPostgresSessionStore } from './postgres-session-store.ts';
import { createPostgresSpendReservationStore } from './postgres-spend-reservation-store.ts';
import { runPostgresMigrations } from './run-postgres-migrations.ts';
import { toPostgresStoreError } from './to-postgres-store-error.ts';

export type PostgresStoreOptions = {
  /** Connections in the pool (default 10). Each process has its own pool. */
  poolMax?: number;
  /** How long a call waits for a free connection before it fails `store_busy` (default 10 s). */
  connectionTimeoutMs?: number;
  /** A statement running longer is cancelled and fails `store_busy` (default 30 s). */
  statementTimeoutMs?: number;
  /** Apply pending migrations at open (default true; `pyramid migrate` does it explicitly). */
  migrate?: boolean;
  now?: () => number;
};

export type PostgresStores = Stores & {
  shared: SharedStores;
  /** The pool, for the parts that coordinate processes (process registry, copies) and for tests. */
  pool: pg.Pool;
  /** `host:port/database`, without user or password: for logs and errors. */
  target: string;
};

// BIGINT (20) and NUMERIC (1700) come back from pg as strings; every such column here holds ms, tokens
// or a sum that fits a double, so they are read as numbers. Per pool: nothing global is changed.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 || oid === 1700
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/**
 * Opens the PostgreSQL stores on `url` (`postgresql://user:password@host:port/database`), applying
 * pending migrations unless told not to. Rejects with a StoreError when the server cannot be reached or
 * refuses (the message names host and database, never the password).
 */
export async function openPostgresStores(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<PostgresStores> {
  const target = describePostgresUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    application_name: 'pyramid',
    types,
  });
  // An idle connection the server closed (a restart) must not crash the process: the pool drops it and
  // the next call opens a new one.
  pool.on('error', () => {});
  try {
    if (options.migrate !== false) await runPostgresMigrations(pool, postgresMigrations, options.now);
    else await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    const mapped = toPostgresStoreError(error);
    if (mapped instanceof StoreError)
      throw new StoreError(mapped.code, `cannot open the PostgreSQL store ${target}: ${mapped.message}`, {
        cause: error,
      });
    throw mapped;
  }
  const implementations: StoreSet = {
    ledger: createPostgresLedgerStore(pool),
    scheduler: createPostgresSchedulerStore(pool),
    sessions: createPostgresSessionStore(pool),
    delivery: createPostgresDeliveryStore(pool),
    pruner: createPostgresHistoryPruner(pool),
    dashboard: createPostgresDashboardStore(pool),
    responses: createPostgresResponseStore(pool),
    processes: createPostgresProcessRegistry(pool),
  };
  const tracker = new StoreStatusTracker(options.now);
  let closed = false;
  const stores = forwardStores(async (store, method, args) => {
    if (closed) throw new StoreError('store_closed', 'the store is closed');
    const target = implementations[store] as unknown as Record<
      string,
      (...args: unknown[]) => Promise<unknown>
    >;
    try {
      return await target[method](...args);
    } catch (error) {
      throw toPostgresStoreError(error);
    }
  }, tracker);
  const guard = <T extends object>(implementation: T, kinds: Record<keyof T, MethodKind>): T => {
    const guarded: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
    for (const [method, kind] of Object.entries(kinds) as Array<[string, MethodKind]>) {
      const call = (implementation as Record<string, (...args: unknown[]) => Promise<unknown>>)[method];
      guarded[method] = async (...args) => {
        if (closed) throw new StoreError('store_closed', 'the store is closed');
        try {
          const value = await call(...args);
          tracker.succeeded(kind);
          return value;
        } catch (error) {
          const mapped = toPostgresStoreError(error);
          tracker.failed(mapped);
          throw mapped;
        }
      };
    }
    return guarded as T;
  };
  const shared: SharedStores = {
    spend: guard(createPostgresSpendReservationStore(pool), {
      reached: 'write',
      reserve: 'write',
      settle: 'write',
    }),
    breakers: guard(createPostgresBreakerStateStore(pool), {
      transition: 'write',
      list: 'read',
      claim: 'write',
      claimTrial: 'write',
    }),
    lanes: guard(createPostgresLaneHoldStore(pool), { take: 'write', renew: 'write', release: 'write' }),
    alerts: guard(createPostgresAlertLimitStore(pool), { take: 'write' }),
  };
  return {
    ...stores,
    shared,
    pool,
    target,
    status: () => tracker.status(),
    onStatus: (listener) => tracker.onStatus(listener),
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
