/**
 * What a long-running loop (the scheduler's timer, the outbox worker, pruning, probes) does with an
 * error of its own: the process decides whether to log, back off or exit. Loops never let an error
 * escape (an uncaught error would end the process with nothing logged about which loop failed).
 */
export type BackgroundFailures = {
  /** A step of `loop` failed: returns how many ms to wait before it tries again. */
  failed(loop: string, error: unknown): number;
  /** A step of `loop` succeeded (after failures, this ends its backoff and logs the recovery). */
  succeeded(loop: string): void;
};
