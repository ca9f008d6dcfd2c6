import { Worker } from 'node:worker_threads';

export type WalCheckpointer = {
  /** Checkpoints once more and closes the worker's connection; the process never waits on it. */
  stop(): void;
};

export type WalCheckpointerOptions = {
  intervalMs?: number;
  busyTimeoutMs?: number;
  /**
   * When the WAL file passes this size (default 64 MiB), a TRUNCATE checkpoint resets it to zero. The
   * PASSIVE checkpoints alone never let a busy WAL restart (a writer always appends past what they
   * copied), so under steady load it grew by hundreds of MB; the TRUNCATE briefly holds writers back
   * (the PASSIVE ones have already copied nearly all of it).
   */
  truncateAboveBytes?: number;
  onError?: (error: Error) => void;
};

/**
 * Moves WAL checkpoints of a long-running process out of its commits. By default SQLite checkpoints
 * inside whichever commit grows the WAL past 1000 pages: that commit copies the WAL into the database
 * and fsyncs it, which stalled one request in a few hundred by 10-20 ms (the gateway bench's p99). The
 * store's connection turns its automatic checkpoints off (WorkerStores.disableAutocheckpoint), and this
 * worker thread, with its own connection, runs a PASSIVE checkpoint every `intervalMs`, which WAL mode
 * lets run beside the store's readers and writers. If the worker fails, `onError` is told (the caller
 * turns automatic checkpoints back on: the WAL must not grow without bound).
 */
export function startWalCheckpointer(path: string, options: WalCheckpointerOptions = {}): WalCheckpointer {
  let stopped = false;
  const worker = new Worker(new URL('./wal-checkpoint-worker.ts', import.meta.url), {
    workerData: {
      path,
      intervalMs: options.intervalMs ?? 1000,
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
      truncateAboveBytes: options.truncateAboveBytes ?? 64 * 1024 * 1024,
    },
  });
  // Never keeps the process alive: on exit, the last connection to close checkpoints anyway.
  worker.unref();
  const fallBack = (error: Error) => {
    if (stopped) return;
    stopped = true;
    options.onError?.(error);
  };
  worker.on('error', fallBack);
  worker.on('exit', (code) => fallBack(new Error(`the WAL checkpoint worker exited (code ${code})`)));
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      worker.postMessage('stop');
    },
  };
}
