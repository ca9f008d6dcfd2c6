/**
 * The synchronous twin of an asynchronous store contract: the same methods, answering at once. The
 * SQLite stores are written this way and run in the store worker (or inline, for short CLI commands),
 * which turns them back into the asynchronous contract.
 */
export type Synchronous<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R | Promise<R> : T[K];
};
