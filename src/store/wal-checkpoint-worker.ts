// The worker of startWalCheckpointer: its own connection to the database, checkpointing the WAL on a
// timer so that the main thread's commits never pay for it.
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

const { path, intervalMs, busyTimeoutMs } = workerData as {
  path: string;
  intervalMs: number;
  busyTimeoutMs: number;
};
const db = new DatabaseSync(path, { timeout: busyTimeoutMs });
// PASSIVE copies what it can without waiting for readers or writers; the next one takes the rest.
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => checkpoint.get(), intervalMs);

parentPort?.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint.get();
  db.close();
  parentPort?.close();
});
