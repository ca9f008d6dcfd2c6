import type { StoreSet } from '../../contracts/stores.ts';
import type { SerializedError } from './serialize-error.ts';

/** A method call on one of the stores; `deadline` (ms since the epoch) is when the caller stops waiting. */
export type CallMessage = {
  type: 'call';
  id: number;
  store: keyof StoreSet;
  method: string;
  args: unknown[];
  deadline?: number;
};

/**
 * `close`: commit what waits and close; `autocheckpoint-off`: a checkpoint worker took over checkpoints;
 * `autocheckpoint-on`: it failed, and commits checkpoint again as SQLite does by default.
 */
export type ControlMessage = {
  type: 'control';
  id: number;
  command: 'close' | 'autocheckpoint-off' | 'autocheckpoint-on';
};

export type ToWorker = CallMessage | ControlMessage;

export type FromWorker =
  | { type: 'ready' }
  | { type: 'open-failed'; error: SerializedError }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'gone'; reason: string };

export type StoreWorkerData = {
  path: string;
  busyTimeoutMs: number;
  synchronous?: 'NORMAL' | 'FULL';
  /** How often the worker checks that the database file is still the one it opened. */
  watchIntervalMs: number;
  /** The main process's pid, for the rescue advice when the file is deleted. */
  pid: number;
};
