import { openPostgresStores } from '../store/postgres/open-postgres-stores.ts';
import { postgresMigrations } from '../store/postgres/postgres-migrations.ts';
import { postgresSchemaVersion } from '../store/postgres/run-postgres-migrations.ts';
import type { DoctorCheck } from './doctor-check.ts';

/**
 * `pyramid doctor` on a PostgreSQL store, read-only: the server answers, the schema is this Pyramid's,
 * and which `pyramid start` processes beat in the registry within `staleAfterMs` (the gateway check:
 * on a shared store there is no one process per home to ask).
 */
export async function postgresStoreHealthChecks(
  url: string,
  staleAfterMs: number,
  now: () => number = Date.now,
): Promise<DoctorCheck[]> {
  let stores: Awaited<ReturnType<typeof openPostgresStores>>;
  try {
    stores = await openPostgresStores(url, { poolMax: 1, migrate: false, connectionTimeoutMs: 5000 });
  } catch (error) {
    return [
      {
        name: 'store',
        status: 'fail',
        detail: (error as Error).message,
        fix: 'check that PostgreSQL runs and that store.url (its host, port, user and password) is right',
      },
    ];
  }
  try {
    const version = await postgresSchemaVersion(stores.pool);
    const latest = postgresMigrations.length;
    const schema: DoctorCheck =
      version === latest
        ? {
            name: 'store',
            status: 'ok',
            detail: `PostgreSQL ${stores.target} answers, schema ${version} (up to date)`,
          }
        : version < latest
          ? {
              name: 'store',
              status: 'warn',
              detail: `PostgreSQL ${stores.target} answers, schema ${version} of ${latest}`,
              fix: 'pyramid migrate (pyramid start does it too)',
            }
          : {
              name: 'store',
              status: 'fail',
              detail: `PostgreSQL ${stores.target} has schema ${version}, newer than this Pyramid's ${latest}`,
              fix: 'upgrade Pyramid to the version the other processes run',
            };
    if (version < latest) return [schema];
    const live = await stores.processes.list(now() - staleAfterMs);
    const processes: DoctorCheck =
      live.length === 0
        ? {
            name: 'gateway',
            status: 'warn',
            detail: 'no pyramid start is running on this store',
            fix: 'pyramid start, or pyramid service install',
          }
        : {
            name: 'gateway',
            status: 'ok',
            detail: `${live.length} process${live.length === 1 ? '' : 'es'} on this store: ${live
              .map(
                (process) =>
                  `${process.host} pid ${process.pid}${process.address ? ` on ${process.address}` : ''}`,
              )
              .join(', ')}`,
          };
    return [schema, processes];
  } catch (error) {
    return [
      { name: 'store', status: 'fail', detail: `PostgreSQL ${stores.target}: ${(error as Error).message}` },
    ];
  } finally {
    await stores.close();
  }
}
