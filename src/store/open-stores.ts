import { ConfigError } from '../contracts/errors/config-error.ts';
import type { PyramidConfig, StoreConfig } from '../contracts/pyramid-config.ts';
import type { Stores } from '../contracts/stores.ts';
import { openInlineStores } from './open-inline-stores.ts';
import { openPostgresStores } from './postgres/open-postgres-stores.ts';
import { startSqliteStoreWorker, type WorkerStores } from './worker/start-sqlite-store-worker.ts';

export type OpenStoresOptions = {
  /** pyramid.db, for `store: { kind: sqlite }`. */
  dbFile: string;
  /** `worker` for a long-running process (SQLite off the event loop), `inline` for short CLI commands. */
  mode: 'worker' | 'inline';
  /** Named in a config error. */
  configFile?: string;
  now?: () => number;
};

/**
 * The stores the config's `store:` names: SQLite (in its worker, or on this thread) or PostgreSQL (a
 * pool; short CLI commands keep it small). A postgres store whose URL is unset is a ConfigError.
 */
export async function openStores(
  config: Pick<PyramidConfig, 'store'>,
  options: OpenStoresOptions,
): Promise<Stores | WorkerStores> {
  const now = options.now ? { now: options.now } : {};
  const store = config.store ?? { kind: 'sqlite' };
  if (store.kind === 'postgres') {
    return openPostgresStores(postgresUrl(store, options.configFile), {
      poolMax: options.mode === 'worker' ? store.poolMax : Math.min(store.poolMax, 2),
      ...now,
    });
  }
  return options.mode === 'worker'
    ? startSqliteStoreWorker(options.dbFile, now)
    : openInlineStores(options.dbFile, now);
}

/** The URL of a postgres store, or a ConfigError naming `store.url` when its variable is unset. */
export function postgresUrl(store: Extract<StoreConfig, { kind: 'postgres' }>, configFile?: string): string {
  if (store.url !== undefined) return store.url;
  throw new ConfigError(
    [
      {
        path: 'store.url',
        message: `${store.unavailableReason ?? 'is not set'}: export it (postgresql://user:password@host:5432/database), or use store: { kind: sqlite }`,
      },
    ],
    configFile,
  );
}
