import type { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';

export type WalCheckpointer = {
  /** Checkpoints once more and closes the worker's connection; the process never waits on it. */
  stop(): void;
};

/** SQLite's default: checkpoint when the WAL passes 1000 pages, inside the commit that passes it. */
const defaultAutocheckpointPages = 1000;

/**
 * Moves WAL checkpoints of a long-running process off its event loop. By default SQLite checkpoints
 * inside whichever commit grows the WAL past 1000 pages: that commit copies the WAL into the database
 * and fsyncs it, which stalled one request in a few hundred by 10-20 ms (the gateway bench's p99) and
 * doubled a ledger commit's mean time. Here automatic checkpoints are turned off on `db`, and a worker
 * thread with its own connection runs a PASSIVE checkpoint every `intervalMs`, which WAL mode lets run
 * beside the main connection's readers and writers. If the worker fails, automatic checkpoints are
 * turned back on (the WAL must not grow without bound) and `onError` is told.
 */
export function startWalCheckpointer(
  db: DatabaseSync,
  path: string,
  options: { intervalMs?: number; busyTimeoutMs?: number; onError?: (error: Error) => void } = {},
): WalCheckpointer {
  db.exec('PRAGMA wal_autocheckpoint = 0');
  let stopped = false;
  const worker = new Worker(new URL('./wal-checkpoint-worker.ts', import.meta.url), {
    workerData: {
      path,
      intervalMs: options.intervalMs ?? 1000,
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    },
  });
  // Never keeps the process alive: on exit, the last connection to close checkpoints anyway.
  worker.unref();
  const fallBack = (error: Error) => {
    if (stopped) return;
    stopped = true;
    if (db.isOpen) db.exec(`PRAGMA wal_autocheckpoint = ${defaultAutocheckpointPages}`);
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
