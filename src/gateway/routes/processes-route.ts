import type { Hono } from 'hono';
import type { ProcessRegistry } from '../../contracts/process-registry.ts';
import type { GatewayEnv } from '../gateway-env.ts';

export type ProcessesRouteOptions = {
  registry: Pick<ProcessRegistry, 'list'>;
  /** A process that has not beaten for this long is dead and not listed. */
  staleAfterMs: number;
  /** This process's id, flagged `self` in the answer. */
  self: string;
  now?: () => number;
};

/**
 * GET /api/processes: the live `pyramid start` processes sharing this store (host, pid, version, since,
 * address, last heartbeat), the same list whichever process answers.
 */
export function processesRoute(options: ProcessesRouteOptions) {
  const now = options.now ?? Date.now;
  return (app: Hono<GatewayEnv>): void => {
    app.get('/api/processes', async (c) => {
      const at = now();
      const processes = await options.registry.list(at - options.staleAfterMs);
      return c.json({
        staleAfterMs: options.staleAfterMs,
        processes: processes.map((process) => ({
          ...process,
          startedAt: new Date(process.startedAt).toISOString(),
          heartbeatAt: new Date(process.heartbeatAt).toISOString(),
          self: process.id === options.self,
        })),
      });
    });
  };
}
