import type { MiddlewareHandler } from 'hono';
import type { GatewayEnv } from './gateway-env.ts';
import { GatewayHttpError } from './gateway-http-error.ts';

/** Paths answered whatever the Host: liveness carries no data, and supervisors probe it by any name. */
const unchecked = new Set(['/health', '/health/ready']);

const wildcardBinds = new Set(['0.0.0.0', '::', '']);

/** `[::1]`-style for an IPv6 literal, the name or IPv4 address as it is otherwise; lower case. */
function hostName(address: string): string {
  const name = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  return (name.includes(':') ? `[${name}]` : name).toLowerCase();
}

/**
 * Refuses requests addressed to a name that is not the gateway's (421) or sent on behalf of a web
 * page from another origin (403), so that neither a page the operator visits nor DNS rebinding can
 * drive the gateway through the operator's browser (which matters most with `auth.enabled: false`).
 * The gateway's own names are 127.0.0.1, localhost, [::1], the bind address and, on a wildcard bind,
 * the local address the connection came in on, each with the port the connection came in on;
 * `allowedHosts` adds names (`name` on any port, `name:port` on that one; `*` turns the check off).
 * A request without a Host (HTTP/1.0) or without an Origin (every non-browser client) is not refused
 * for the header it lacks.
 */
export function createHostCheck(options: {
  bind: string;
  allowedHosts: readonly string[];
}): MiddlewareHandler<GatewayEnv> {
  if (options.allowedHosts.includes('*')) return (_c, next) => next();
  const anyPort = new Set<string>();
  const exact = new Set<string>();
  for (const entry of options.allowedHosts) {
    const name = entry.toLowerCase();
    (/:\d+$/.test(name) ? exact : anyPort).add(name);
  }
  const ownNames = ['127.0.0.1', 'localhost', '[::1]'];
  if (!wildcardBinds.has(options.bind)) ownNames.push(hostName(options.bind));
  // The Host values of the gateway's own names, per local port (one entry in practice).
  const ownByPort = new Map<number, Set<string>>();
  const own = (port: number) => {
    let hosts = ownByPort.get(port);
    if (!hosts) {
      hosts = new Set(ownNames.map((name) => `${name}:${port}`));
      if (port === 80) for (const name of ownNames) hosts.add(name);
      ownByPort.set(port, hosts);
    }
    return hosts;
  };
  const wildcard = wildcardBinds.has(options.bind);
  const allowed = (host: string, port: number, localAddress: string | undefined): boolean => {
    const value = host.toLowerCase();
    if (own(port).has(value) || exact.has(value)) return true;
    const colon = value.lastIndexOf(':');
    const hasPort = colon > value.lastIndexOf(']');
    const name = hasPort ? value.slice(0, colon) : value;
    if (anyPort.has(name)) return true;
    // On a wildcard bind, the address this connection reached is the gateway's own too.
    if (!wildcard || localAddress === undefined || name !== hostName(localAddress)) return false;
    return hasPort ? value.slice(colon + 1) === String(port) : port === 80;
  };
  return async (c, next) => {
    if (unchecked.has(c.req.path)) return next();
    const socket = c.env?.incoming?.socket;
    const port = socket?.localPort;
    // Served without a socket (app.request in tests): there is no address to compare with.
    if (port === undefined) return next();
    const host = c.req.header('host');
    if (host !== undefined && !allowed(host, port, socket?.localAddress))
      throw new GatewayHttpError(
        421,
        'invalid_request_error',
        'misdirected_request',
        `This gateway does not answer for the host '${host.slice(0, 100)}': address it as 127.0.0.1:${port} or localhost:${port}, or add the name to gateway.allowedHosts.`,
      );
    const origin = c.req.header('origin');
    if (origin !== undefined && !allowedOrigin(origin, port, socket?.localAddress)) {
      throw new GatewayHttpError(
        403,
        'permission_error',
        'origin_not_allowed',
        `Requests from web pages at '${origin.slice(0, 100)}' are refused: only the gateway's own origin and gateway.allowedHosts may call it from a browser.`,
      );
    }
    return next();
  };

  function allowedOrigin(origin: string, port: number, localAddress: string | undefined): boolean {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // `null` (a sandboxed or file: page) and anything else that is not an origin
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    const effectivePort = url.port || (url.protocol === 'https:' ? '443' : '80');
    return allowed(`${url.hostname}:${effectivePort}`, port, localAddress);
  }
}
