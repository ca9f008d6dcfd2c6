import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import type { GatewayConnections } from '../contracts/pyramid-config.ts';
import type { GatewayEnv } from './gateway-env.ts';

/** A listening gateway. */
export type GatewayServer = {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  /** Requests being answered now (streams included). */
  inFlight(): number;
  /** Connections open now. */
  connections(): number;
  /**
   * Stops accepting connections, lets in-flight requests finish for up to `drainMs`, then drops what
   * is left. Resolves with the number of requests that had to be dropped.
   */
  close(drainMs: number): Promise<number>;
};

/**
 * Serves `app` on `bind:port` (port 0 picks a free one), with bounded connections: headers must
 * arrive within `headersTimeoutMs` and a body within `bodyTimeoutMs` after them (Node answers 408
 * and closes), an idle keep-alive connection closes after `idleTimeoutMs`, and at most `max` are
 * open. A connection past `max` closes the least recently used one that is not serving a request
 * (idle, or still sending its headers), or is itself closed when every one is busy; so a flood of
 * slow or idle connections cannot keep a normal client out, nor use up the process's open files.
 * `onError` hears what the listening socket reports after start (an accept failing with EMFILE),
 * at most once a minute.
 */
export async function startGatewayServer(options: {
  app: Hono<GatewayEnv>;
  port: number;
  bind: string;
  connections: GatewayConnections;
  /** Hears an error of the listening socket after start; `unreported` more came since the last one. */
  onError?: (error: Error, unreported: number) => void;
}): Promise<GatewayServer> {
  const limits = options.connections;
  const server = createAdaptorServer({
    fetch: options.app.fetch,
    serverOptions: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.headersTimeoutMs + limits.bodyTimeoutMs,
      // How often Node looks for connections past those timeouts (its default is every 30 s).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
  }) as Server;
  server.keepAliveTimeout = limits.idleTimeoutMs;
  // Least recently used first: a connection moves to the end when it opens and when a request ends.
  const open = new Set<Socket>();
  const busy = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      busy.delete(socket);
    });
    if (open.size <= limits.max) return;
    for (const candidate of open) {
      if (candidate === socket) break;
      if (busy.has(candidate)) continue;
      open.delete(candidate);
      candidate.destroy();
      return;
    }
    open.delete(socket);
    socket.destroy();
  });
  let inFlight = 0;
  let drained: (() => void) | undefined;
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const { socket } = request;
    busy.add(socket);
    inFlight++;
    response.once('close', () => {
      busy.delete(socket);
      if (open.delete(socket)) open.add(socket);
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
  // Without a listener, an accept error after start (out of file descriptors) would end the process.
  // It can repeat for every connection attempt: reported at most once a minute, with a count.
  let reportedAt = Number.NEGATIVE_INFINITY;
  let unreported = 0;
  server.on('error', (error: Error) => {
    const at = performance.now();
    if (at - reportedAt < 60_000) {
      unreported++;
      return;
    }
    reportedAt = at;
    options.onError?.(error, unreported);
    unreported = 0;
  });
  const { port } = server.address() as AddressInfo;
  const host = options.bind.includes(':') ? `[${options.bind}]` : options.bind;
  return {
    url: `http://${host}:${port}`,
    port,
    inFlight: () => inFlight,
    connections: () => open.size,
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
