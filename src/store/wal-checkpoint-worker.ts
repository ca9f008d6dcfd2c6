// The worker of startWalCheckpointer: its own connection to the database, checkpointing the WAL on a
// timer so that the store's commits never pay for it, and resetting the WAL when it grew too large.
import { statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { path, intervalMs, busyTimeoutMs, truncateAboveBytes } = workerData as {
  path: string;
  intervalMs: number;
  busyTimeoutMs: number;
  truncateAboveBytes: number;
};
// `mode=rw` opens the database the store already created and never creates one: this thread boots after
// the process started serving (seconds later under load), and a connection that created a missing
// pyramid.db there turned an operator's deletion into an empty "replacement" at the path.
const url = pathToFileURL(path);
url.searchParams.set('mode', 'rw');
let db: DatabaseSync;
try {
  db = new DatabaseSync(url, { timeout: busyTimeoutMs });
} catch (error) {
  throw new Error(`cannot open ${path} to checkpoint it (${(error as Error).message})`, { cause: error });
}
// PASSIVE copies what it can without waiting for readers or writers; the next one takes the rest.
const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
// TRUNCATE waits for the writer, copies the rest and resets the WAL file to zero bytes.
const truncate = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)');

const walBytes = () => {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
};

const checkpoint = () => {
  try {
    passive.get();
    if (walBytes() > truncateAboveBytes) truncate.get();
  } catch {
    // Busy, or the disk is full: the next tick tries again; the store reports its own failures.
  }
};
const timer = setInterval(checkpoint, intervalMs);

parentPort?.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort?.close();
});
