import type { Logger } from 'pino';
import type { ProcessRecord, ProcessRegistry } from '../contracts/process-registry.ts';

/** How often a `pyramid start` beats (default), and after how many missed beats at least it counts as dead. */
export const heartbeatEveryMs = 5000;
const missedBeats = 3;

/** After how long without a heartbeat a process is stale: the store's lease, and never under three beats. */
export function processStaleAfterMs(leaseMs: number | undefined, everyMs = heartbeatEveryMs): number {
  return Math.max(leaseMs ?? 0, everyMs * missedBeats);
}

export type ProcessHeartbeat = {
  /** Records the gateway's address (with a heartbeat now). */
  announce(address: string): Promise<void>;
  /** Stops beating and removes the process from the registry. */
  stop(): Promise<void>;
};

/**
 * For `pyramid start`: registers this process in the store, beats every `everyMs` (removing processes
 * whose heartbeat is older than `staleAfterMs`: they died without deregistering) and deregisters on
 * `stop`. A beat that finds its row gone (removed as stale while this process was paused) registers
 * again. A failed beat is logged and the next one tries again: the registry is for people, not for
 * correctness (run and delivery leases are what keep work safe across processes).
 */
export async function startProcessHeartbeat(options: {
  registry: ProcessRegistry;
  process: Omit<ProcessRecord, 'heartbeatAt' | 'address'>;
  staleAfterMs: number;
  everyMs?: number;
  now?: () => number;
  logger: Pick<Logger, 'warn'>;
}): Promise<ProcessHeartbeat> {
  const { registry, logger } = options;
  const now = options.now ?? Date.now;
  let address: string | null = null;
  const record = (): ProcessRecord => ({ ...options.process, address, heartbeatAt: now() });
  await registry.register(record());
  let beating: Promise<void> | undefined;
  let failing = false;
  const beat = (newAddress?: string) => {
    const previous = beating ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        const at = now();
        const found = await registry.heartbeat(options.process.id, at, newAddress);
        if (!found) await registry.register(record());
        await registry.removeStale(at - options.staleAfterMs);
        failing = false;
      } catch (error) {
        if (!failing)
          logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'the process heartbeat failed; trying again at the next one',
          );
        failing = true;
      }
    });
    beating = next;
    return next;
  };
  const timer = setInterval(() => void beat(), options.everyMs ?? heartbeatEveryMs);
  timer.unref();
  return {
    announce(url) {
      address = url;
      return beat(url);
    },
    async stop() {
      clearInterval(timer);
      await beating;
      await registry.deregister(options.process.id);
    },
  };
}
