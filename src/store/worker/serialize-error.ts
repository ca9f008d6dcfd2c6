import { PyramidError } from '../../contracts/errors/pyramid-error.ts';
import { StoreError, type StoreErrorCode } from '../../contracts/errors/store-error.ts';

/** An error as it crosses from the store worker to the main thread (class instances do not survive the copy). */
export type SerializedError = { name: string; message: string; code?: string; sqliteCode?: number };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof StoreError) {
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      ...(error.sqliteCode === undefined ? {} : { sqliteCode: error.sqliteCode }),
    };
  }
  if (error instanceof PyramidError) return { name: error.name, message: error.message, code: error.code };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** The main thread's copy: a StoreError for `store_*` codes, a PyramidError for other codes, else an Error. */
export function deserializeError(serialized: SerializedError): Error {
  const { code, message } = serialized;
  if (code?.startsWith('store_')) {
    return new StoreError(code as StoreErrorCode, message, {
      ...(serialized.sqliteCode === undefined ? {} : { sqliteCode: serialized.sqliteCode }),
    });
  }
  if (code !== undefined) return new PyramidError(code, message);
  const error = new Error(message);
  error.name = serialized.name;
  return error;
}
