import type { BackgroundFailures } from '../contracts/background-failures.ts';
import { StoreError } from '../contracts/errors/store-error.ts';

export type BackoffFailuresOptions = {
  /** The first retry waits this long, doubling per failure in a row up to `maxDelayMs` (1 s to 30 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Told about each failure with the delay chosen (`first` for the first of a run of failures). */
  onFailure?: (loop: string, error: unknown, delayMs: number, first: boolean) => void;
  /** Told when a loop that failed works again. */
  onRecovered?: (loop: string, failures: number) => void;
  /**
   * Told about an error that does not end by itself (not a busy lock, a full disk, an I/O error or a
   * deleted database): a bug or a broken store, for which a clean restart is the way out. Without it,
   * such errors back off like the others.
   */
  onFatal?: (loop: string, error: unknown) => void;
};

/** Errors a loop waits out: store failures that end by themselves, and a deleted database (readiness reports it). */
function waitable(error: unknown): boolean {
  return error instanceof StoreError && (error.transient || error.code === 'store_gone');
}

/** BackgroundFailures that back off per loop, doubling, and hand errors that do not end by themselves to `onFatal`. */
export function createBackoffFailures(options: BackoffFailuresOptions = {}): BackgroundFailures {
  const base = options.baseDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 30_000;
  const inARow = new Map<string, number>();
  return {
    failed(loop, error) {
      const failures = (inARow.get(loop) ?? 0) + 1;
      inARow.set(loop, failures);
      const delay = Math.min(base * 2 ** (failures - 1), max);
      if (!waitable(error) && options.onFatal) options.onFatal(loop, error);
      else options.onFailure?.(loop, error, delay, failures === 1);
      return delay;
    },
    succeeded(loop) {
      const failures = inARow.get(loop);
      if (failures === undefined) return;
      inARow.delete(loop);
      options.onRecovered?.(loop, failures);
    },
  };
}
