import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import { StoreError, type StoreErrorCode } from '../../contracts/errors/store-error.ts';

// SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html) that end by themselves.
const sqlStates: Record<string, StoreErrorCode> = {
  '40001': 'store_busy', // serialization_failure
  '40P01': 'store_busy', // deadlock_detected
  '55P03': 'store_busy', // lock_not_available
  '57014': 'store_busy', // query_canceled (statement_timeout)
  '53300': 'store_busy', // too_many_connections
  '53400': 'store_busy', // configuration_limit_exceeded
  '53200': 'store_busy', // out_of_memory
  '53100': 'store_full', // disk_full
  '58030': 'store_io', // io_error
  '57P01': 'store_io', // admin_shutdown
  '57P02': 'store_io', // crash_shutdown
  '57P03': 'store_io', // cannot_connect_now (starting up, in recovery)
};
// Socket errors: the server cannot be reached (yet), or the connection broke.
const socketErrors = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENOENT',
]);

const advice: Partial<Record<StoreErrorCode, string>> = {
  store_busy: 'PostgreSQL is busy (a lock, a conflict or all connections in use); Pyramid retries by itself',
  store_full: "the disk holding PostgreSQL's data is full; free space and Pyramid resumes by itself",
  store_io: 'PostgreSQL cannot be reached or is restarting; Pyramid retries by itself',
};

/**
 * A `pg` error as a StoreError whose code says whether it ends by itself: busy (locks, conflicts, too
 * many clients), full (53100), unreachable (refused, reset, shutting down: `store_io`); anything else
 * (a constraint, a bug) is `store_error`. Messages never carry the connection URL (it may hold a password).
 */
export function toPostgresStoreError(error: unknown): unknown {
  if (error instanceof PyramidError) return error;
  if (!(error instanceof Error)) return error;
  const { code } = error as { code?: string };
  let storeCode: StoreErrorCode = 'store_error';
  if (code !== undefined && sqlStates[code]) storeCode = sqlStates[code];
  else if (code?.startsWith('08'))
    storeCode = 'store_io'; // connection_exception class
  else if (code !== undefined && socketErrors.has(code)) storeCode = 'store_io';
  else if (code === undefined && /timeout exceeded when trying to connect/i.test(error.message))
    storeCode = 'store_busy'; // every pooled connection stayed in use (pg-pool's connectionTimeoutMillis)
  else if (
    code === undefined &&
    /Connection terminated|connection (?:is )?closed|Client has encountered a connection error/i.test(
      error.message,
    )
  )
    storeCode = 'store_io';
  const what = `PostgreSQL: ${error.message}${code ? ` (${code})` : ''}`;
  const message = advice[storeCode] ? `${what} (${advice[storeCode]})` : what;
  return new StoreError(storeCode, message, { cause: error });
}
