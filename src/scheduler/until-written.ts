import type { BackgroundFailures } from '../contracts/background-failures.ts';
import type { Clock } from './clock.ts';

/**
 * Calls `write` until it succeeds, waiting out store failures that end by themselves (a lock, a full
 * disk) with the `scheduler` backoff; rethrows the failure once `stopping()` says the scheduler stops.
 */
export async function untilWritten<T>(
  write: () => Promise<T>,
  context: { failures: BackgroundFailures; clock: Clock; stopping: () => boolean },
): Promise<T> {
  for (;;) {
    try {
      return await write();
    } catch (error) {
      if (context.stopping()) throw error;
      const delay = context.failures.failed('scheduler', error);
      await new Promise<void>((resolve) => context.clock.setTimeout(resolve, delay));
    }
  }
}
