import { PyramidError } from '../contracts/errors/pyramid-error.ts';
import { StoreError, type StoreErrorCode } from '../contracts/errors/store-error.ts';

// SQLite's primary result codes (the low byte of an extended code).
const primaryCodes: Record<number, StoreErrorCode> = {
  5: 'store_busy', // SQLITE_BUSY
  6: 'store_busy', // SQLITE_LOCKED
  10: 'store_io', // SQLITE_IOERR
  13: 'store_full', // SQLITE_FULL
  14: 'store_io', // SQLITE_CANTOPEN (the folder went away, or no file handles left)
};

const advice: Partial<Record<StoreErrorCode, string>> = {
  store_busy: 'another connection holds the write lock; Pyramid retries by itself',
  store_full: 'the disk holding pyramid.db is full; free space and Pyramid resumes by itself',
  store_io: 'the file system failed a read or write; Pyramid retries by itself',
};

/** A node:sqlite error as a StoreError with a code that says whether it ends by itself; others pass through. */
export function toStoreError(error: unknown): unknown {
  if (error instanceof PyramidError) return error;
  const { code, errcode, errstr } = error as { code?: string; errcode?: number; errstr?: string };
  if (code !== 'ERR_SQLITE_ERROR' || errcode === undefined) return error;
  const storeCode = primaryCodes[errcode & 0xff] ?? 'store_error';
  // The message names what failed ("CHECK constraint failed: outcome IN ..."); errstr is only the code's text.
  const what = (error as Error).message || errstr || 'SQLite error';
  const message = advice[storeCode] ? `${what} (${advice[storeCode]})` : what;
  return new StoreError(storeCode, message, { cause: error, sqliteCode: errcode });
}
