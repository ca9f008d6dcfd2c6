/** Time and timers, passed in so tests control both. */
export type Clock = {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

/** The real clock. Timers are unref'd: a scheduler alone never keeps a process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, Math.min(Math.max(0, ms), 2_147_483_647)).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
