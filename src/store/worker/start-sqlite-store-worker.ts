import { Worker } from 'node:worker_threads';
import { StoreError } from '../../contracts/errors/store-error.ts';
import type { Stores } from '../../contracts/stores.ts';
import { forwardStores } from '../forward-stores.ts';
import { mustRun } from '../store-methods.ts';
import { StoreStatusTracker } from '../store-status-tracker.ts';
import { deserializeError } from './serialize-error.ts';
import type { FromWorker, StoreWorkerData, ToWorker } from './store-worker-messages.ts';

export type StoreWorkerOptions = {
  /** How long SQLite waits for another connection's lock per call (default 5000 ms). */
  busyTimeoutMs?: number;
  /** How long a caller waits for an answer before it gets `store_busy` (default 10 s; ledger writes always finish). */
  callTimeoutMs?: number;
  synchronous?: 'NORMAL' | 'FULL';
  /** How often the worker checks that pyramid.db is still the file it opened (default 2 s). */
  watchIntervalMs?: number;
  now?: () => number;
};

export type WorkerStores = Stores & {
  /** A WAL checkpoint worker took over: the store's connection stops checkpointing inside commits. */
  disableAutocheckpoint(): Promise<void>;
  /** The checkpoint worker failed: commits checkpoint again, so that the WAL stays bounded. */
  enableAutocheckpoint(): Promise<void>;
};

type Pending = { resolve(value: unknown): void; reject(error: Error): void; timer?: NodeJS.Timeout };

/**
 * Opens the SQLite stores in a worker thread (migrating the schema there) and returns their
 * asynchronous interfaces. Rejects with the open error (a PyramidError naming the file) when the
 * database cannot be opened.
 */
export async function startSqliteStoreWorker(
  path: string,
  options: StoreWorkerOptions = {},
): Promise<WorkerStores> {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  const workerData: StoreWorkerData = {
    path,
    busyTimeoutMs,
    watchIntervalMs: options.watchIntervalMs ?? 2000,
    pid: process.pid,
    ...(options.synchronous ? { synchronous: options.synchronous } : {}),
  };
  const worker = new Worker(new URL('./sqlite-store-worker.ts', import.meta.url), { workerData });
  const tracker = new StoreStatusTracker(options.now);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let stopped: StoreError | undefined;
  const opened = Promise.withResolvers<void>();

  // The worker holds the process open only while a caller waits on it.
  const settle = (id: number) => {
    const entry = pending.get(id);
    pending.delete(id);
    if (entry?.timer) clearTimeout(entry.timer);
    if (pending.size === 0) worker.unref();
    return entry;
  };
  const stop = (error: StoreError) => {
    stopped ??= error;
    for (const id of [...pending.keys()]) settle(id)?.reject(stopped);
  };

  worker.on('message', (message: FromWorker) => {
    switch (message.type) {
      case 'ready':
        opened.resolve();
        return;
      case 'open-failed':
        opened.reject(deserializeError(message.error));
        return;
      case 'gone':
        tracker.gone(message.reason);
        return;
      case 'result':
        settle(message.id)?.resolve(message.value);
        return;
      case 'error':
        settle(message.id)?.reject(deserializeError(message.error));
        return;
    }
  });
  worker.on('error', (error) => {
    const failure = new StoreError('store_error', `the store worker failed: ${error.message}`, {
      cause: error,
    });
    opened.reject(failure);
    stop(failure);
  });
  worker.on('exit', (code) => {
    const failure = new StoreError('store_closed', `the store worker exited (code ${code})`);
    opened.reject(failure);
    stop(failure);
  });

  const send = (message: ToWorker, timeoutMs?: number): Promise<unknown> => {
    if (stopped) return Promise.reject(stopped);
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const entry: Pending = { resolve, reject };
    if (timeoutMs !== undefined) {
      // A safety net only: the worker answers a call that waited past its deadline itself, without running it.
      entry.timer = setTimeout(() => {
        settle(message.id)?.reject(
          new StoreError('store_busy', `the store did not answer within ${Math.round(timeoutMs / 1000)} s`),
        );
      }, timeoutMs);
    }
    pending.set(message.id, entry);
    worker.ref();
    worker.postMessage(message);
    return promise;
  };

  worker.ref();
  await opened.promise;
  worker.unref();

  const stores = forwardStores((store, method, args) => {
    const id = nextId++;
    if (mustRun.has(`${store}.${method}`)) return send({ type: 'call', id, store, method, args });
    const deadline = Date.now() + callTimeoutMs;
    return send({ type: 'call', id, store, method, args, deadline }, callTimeoutMs + busyTimeoutMs + 1000);
  }, tracker);

  return {
    ...stores,
    status: () => tracker.status(),
    onStatus: (listener) => tracker.onStatus(listener),
    async disableAutocheckpoint() {
      await send({ type: 'control', id: nextId++, command: 'autocheckpoint-off' });
    },
    async enableAutocheckpoint() {
      await send({ type: 'control', id: nextId++, command: 'autocheckpoint-on' });
    },
    async close() {
      if (stopped) return;
      try {
        await send({ type: 'control', id: nextId++, command: 'close' });
      } finally {
        stop(new StoreError('store_closed', 'the store is closed'));
        await worker.terminate();
      }
    },
  };
}
