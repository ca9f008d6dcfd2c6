// The store worker: the one thread that touches SQLite in a long-running process. node:sqlite is
// synchronous, so a lock held by another connection blocks whoever waits on it: here that is this
// thread, never the event loop that serves HTTP.
import type { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { StoreError } from '../../contracts/errors/store-error.ts';
import { createSqliteStores, type SqliteStoreSet } from '../create-sqlite-stores.ts';
import { watchDatabaseFile } from '../database-file-watch.ts';
import { closeSqlite, openSqlite } from '../open-sqlite.ts';
import { mustRun } from '../store-methods.ts';
import { toStoreError } from '../to-store-error.ts';
import { serializeError } from './serialize-error.ts';
import type { CallMessage, FromWorker, StoreWorkerData, ToWorker } from './store-worker-messages.ts';

const port = parentPort;
if (!port) throw new Error('sqlite-store-worker.ts runs as a worker thread');
const data = workerData as StoreWorkerData;
const post = (message: FromWorker) => port.postMessage(message);

// After a call waited out the whole busy timeout, the lock is known to be held: the calls queued behind
// it wait briefly each instead of the full time, so the line drains while the lock lasts.
const busyAfterFailureMs = 100;

let db: DatabaseSync;
let stores: SqliteStoreSet;
try {
  db = openSqlite(data.path, {
    busyTimeoutMs: data.busyTimeoutMs,
    ...(data.synchronous ? { synchronous: data.synchronous } : {}),
  });
  stores = createSqliteStores(db);
} catch (error) {
  post({ type: 'open-failed', error: serializeError(error) });
  port.close();
  process.exit(0);
}

let gone: string | undefined;
let shortBusy = false;
const watch = watchDatabaseFile(data.path, data.pid);
const watchTimer = setInterval(() => {
  if (gone !== undefined) return;
  gone = watch.check();
  if (gone !== undefined) post({ type: 'gone', reason: gone });
}, data.watchIntervalMs);

const setBusyTimeout = (short: boolean) => {
  if (short === shortBusy) return;
  shortBusy = short;
  db.exec(`PRAGMA busy_timeout = ${short ? busyAfterFailureMs : Math.trunc(data.busyTimeoutMs)}`);
};

async function call(message: CallMessage): Promise<void> {
  const name = `${message.store}.${message.method}`;
  try {
    if (gone !== undefined) throw new StoreError('store_gone', gone);
    if (message.deadline !== undefined && Date.now() > message.deadline && !mustRun.has(name)) {
      throw new StoreError('store_busy', 'the store was busy: the call waited in line past its deadline');
    }
    const target = stores[message.store] as unknown as Record<string, (...args: unknown[]) => unknown>;
    const value = await target[message.method](...message.args);
    setBusyTimeout(false);
    post({ type: 'result', id: message.id, value });
  } catch (caught) {
    const error = toStoreError(caught);
    if (error instanceof StoreError && error.code === 'store_busy' && error.sqliteCode !== undefined) {
      setBusyTimeout(true);
    }
    post({ type: 'error', id: message.id, error: serializeError(error) });
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'call') {
    void call(message);
    return;
  }
  if (message.command !== 'close') {
    // SQLite's default is 1000 pages.
    db.exec(`PRAGMA wal_autocheckpoint = ${message.command === 'autocheckpoint-off' ? 0 : 1000}`);
    post({ type: 'result', id: message.id, value: undefined });
    return;
  }
  clearInterval(watchTimer);
  try {
    stores.flush();
    closeSqlite(db);
    post({ type: 'result', id: message.id, value: undefined });
  } catch (error) {
    post({ type: 'error', id: message.id, error: serializeError(toStoreError(error)) });
  }
  port.close();
});

post({ type: 'ready' });
