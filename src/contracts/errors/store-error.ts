import { PyramidError } from './pyramid-error.ts';

/**
 * Why the store could not do what was asked. `store_busy`: another connection held the lock past the
 * wait; `store_full`: the disk (or quota) is full; `store_io`: the file system failed a read or write;
 * `store_gone`: the database file was deleted or replaced under the running process; `store_closed`:
 * the process is shutting down; `store_error`: anything else (a bug, a constraint, a corrupt file).
 */
export type StoreErrorCode =
  | 'store_busy'
  | 'store_full'
  | 'store_io'
  | 'store_gone'
  | 'store_closed'
  | 'store_error';

const transientCodes: ReadonlySet<StoreErrorCode> = new Set(['store_busy', 'store_full', 'store_io']);

/**
 * A store failure. `transient` ones (busy, full, I/O) end by themselves once the lock is released or
 * space is freed: background work backs off and retries them, and an HTTP caller gets 503 with
 * Retry-After. Others need an operator (or are bugs).
 */
export class StoreError extends PyramidError {
  declare readonly code: StoreErrorCode;
  readonly transient: boolean;
  /** SQLite's extended result code, when SQLite said it. */
  readonly sqliteCode?: number;

  constructor(code: StoreErrorCode, message: string, options: { cause?: unknown; sqliteCode?: number } = {}) {
    super(code, message, options);
    this.transient = transientCodes.has(code);
    if (options.sqliteCode !== undefined) this.sqliteCode = options.sqliteCode;
  }
}

/** True for a store failure that ends by itself (busy, full, I/O). */
export function isTransientStoreError(error: unknown): boolean {
  return error instanceof StoreError && error.transient;
}
