import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import type { GatewayEnv } from './gateway-env.ts';

/** A listening gateway. */
export type GatewayServer = {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  /** Requests being answered now (streams included). */
  inFlight(): number;
  /**
   * Stops accepting connections, lets in-flight requests finish for up to `drainMs`, then drops what
   * is left. Resolves with the number of requests that had to be dropped.
   */
  close(drainMs: number): Promise<number>;
};

/** Serves `app` on `bind:port` (port 0 picks a free one). */
export async function startGatewayServer(options: {
  app: Hono<GatewayEnv>;
  port: number;
  bind: string;
}): Promise<GatewayServer> {
  const server = createAdaptorServer({ fetch: options.app.fetch }) as Server;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  server.on('request', (_request, response) => {
    inFlight++;
    response.once('close', () => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.bind, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.bind.includes(':') ? `[${options.bind}]` : options.bind;
  return {
    url: `http://${host}:${port}`,
    port,
    inFlight: () => inFlight,
    async close(drainMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections with no request in progress would hold close() open.
      server.closeIdleConnections();
      const idle = setInterval(() => server.closeIdleConnections(), 100);
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, drainMs).unref();
        });
      }
      clearInterval(idle);
      const dropped = inFlight;
      server.closeAllConnections();
      await closed;
      return dropped;
    },
  };
}
