import type { Logger } from 'pino';
import type { Platform } from './create-platform.ts';

/**
 * For `pyramid start`: prunes finished history past `retention:` now and every `everyMs` (never two at
 * once), logging what went. `stop` ends the schedule and waits for a prune in progress to stop between
 * batches, so the store can close.
 */
export function startHistoryPruning(
  platform: Pick<Platform, 'pruneHistory'>,
  logger: Pick<Logger, 'info' | 'warn'>,
  everyMs: number,
): { stop(): Promise<void> } {
  const controller = new AbortController();
  let running: Promise<void> | undefined;
  const prune = () => {
    if (running || controller.signal.aborted) return;
    running = platform
      .pruneHistory({ signal: controller.signal })
      .then(
        ({ counts }) => {
          if (Object.values(counts).some((count) => count > 0))
            logger.info(counts, 'pruned history past retention');
        },
        (error: unknown) =>
          logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'pruning history failed; trying again at the next interval',
          ),
      )
      .finally(() => {
        running = undefined;
      });
  };
  prune();
  const timer = setInterval(prune, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      controller.abort();
      await running;
    },
  };
}
