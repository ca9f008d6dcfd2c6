import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { refusedAddressRange } from './refused-address-range.ts';

/** A host name's addresses (dns.lookup with `all: true` by default; tests pass their own). */
export type ResolveHost = (hostname: string) => Promise<{ address: string; family: number }[]>;

export type HttpGetOptions = {
  url: string;
  /** Host names, or `host:port` for a port other than 80 and 443 (`docs.example`, `127.0.0.1:8080`). */
  allowedHosts: readonly string[];
  /** Reach loopback, private, link-local and other non-public addresses too (default false). */
  allowPrivateAddresses?: boolean;
  resolveHost?: ResolveHost;
  signal?: AbortSignal;
  /** Redirects followed (each hop's host, port and addresses checked) before giving up. */
  maxRedirects?: number;
  /** Characters of the body kept in the answer. */
  bodyChars?: number;
  /** The whole fetch, redirects and body included, must be done within this (default 15 s). */
  timeoutMs?: number;
};

const defaultMaxRedirects = 5;
const defaultBodyChars = 4000;
const defaultTimeoutMs = 15_000;
const defaultPorts = [80, 443];

const systemResolve: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * The `http_get` tool: GET a URL whose host and port are allowed and whose addresses are public (unless
 * the agent allows private ones). The host is resolved once, every address checked, and the connection
 * made to the checked address (the name still goes in Host and SNI), so a DNS answer that changes
 * between the check and the connection (rebinding) cannot reach anything else. Redirects are followed
 * by hand, each hop checked the same way.
 */
export async function httpGet(options: HttpGetOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    return await fetchWithinHosts({ ...options, signal });
  } catch (error) {
    // A host that does not answer in time is the tool's answer; the caller's own abort stays an abort.
    if (timeout.aborted && !options.signal?.aborted) return `error: no answer within ${timeoutMs / 1000} s`;
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    return `error: ${error instanceof Error ? error.message : String(error)}`;
  }
}

async function fetchWithinHosts(options: HttpGetOptions & { signal: AbortSignal }): Promise<string> {
  const allowed = options.allowedHosts.map(allowedEntry);
  const maxRedirects = options.maxRedirects ?? defaultMaxRedirects;
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    return `error: not a URL: ${options.url}`;
  }
  for (let hop = 0; ; hop++) {
    const via = hop === 0 ? '' : ' (reached by a redirect)';
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return `error: ${url.protocol} is not http or https${via}`;
    }
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const hostEntries = allowed.filter((entry) => entry.hostname === url.hostname);
    if (hostEntries.length === 0) {
      return `error: ${url.hostname} is not an allowed host${via} (allowed: ${options.allowedHosts.join(', ')})`;
    }
    if (
      !hostEntries.some((entry) =>
        entry.port === undefined ? defaultPorts.includes(port) : entry.port === port,
      )
    ) {
      return `error: port ${port} of ${url.hostname} is not allowed${via}: only 80 and 443, unless the agent lists ${url.hostname}:${port} in httpAllowedHosts`;
    }
    const target = await checkedAddress(url.hostname, options);
    if ('refused' in target) return `error: ${target.refused}${via}`;
    const response = await get(url, target, options.signal);
    const location = response.headers.location;
    const status = response.statusCode ?? 0;
    if (status < 300 || status >= 400 || location === undefined) {
      const body = await startOfBody(response, options.bodyChars ?? defaultBodyChars);
      return `status ${status}\n${body}`;
    }
    response.destroy();
    if (hop >= maxRedirects) return `error: more than ${maxRedirects} redirects`;
    try {
      url = new URL(location, url);
    } catch {
      return `error: the redirect location is not a URL: ${location}`;
    }
  }
}

/** An allow-list entry as a host name and an optional port (`[::1]:8080` included). */
function allowedEntry(entry: string): { hostname: string; port?: number } {
  try {
    const url = new URL(`http://${entry}`);
    return { hostname: url.hostname, ...(url.port ? { port: Number(url.port) } : {}) };
  } catch {
    return { hostname: entry.toLowerCase() };
  }
}

/** The address to connect to: every address the name resolves to must pass, and the first is used. */
async function checkedAddress(
  hostname: string,
  options: HttpGetOptions,
): Promise<{ address: string; family: number } | { refused: string }> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (isIP(bare)) {
    addresses = [{ address: bare, family: isIP(bare) }];
  } else {
    try {
      addresses = await (options.resolveHost ?? systemResolve)(hostname);
    } catch (error) {
      return {
        refused: `cannot resolve ${hostname} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      };
    }
  }
  if (addresses.length === 0) return { refused: `${hostname} resolves to no address` };
  if (!options.allowPrivateAddresses) {
    for (const { address } of addresses) {
      const range = refusedAddressRange(address);
      if (range) {
        return {
          refused: `${hostname} resolves to ${address}, a ${range} address, which http_get does not reach (the agent's httpAllowPrivateAddresses: true allows it)`,
        };
      }
    }
  }
  return addresses[0];
}

/** One GET, connected to `target` whatever the name resolves to now; the name stays in Host and SNI. */
function get(
  url: URL,
  target: { address: string; family: number },
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'GET', lookup, signal, agent: false }, resolve);
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** The first `chars` characters of a body, reading no more than it takes (a body may be huge or endless). */
async function startOfBody(response: IncomingMessage, chars: number): Promise<string> {
  response.setEncoding('utf8');
  let text = '';
  try {
    for await (const chunk of response) {
      text += chunk as string;
      if (text.length >= chars) break;
    }
  } finally {
    response.destroy();
  }
  return text.slice(0, chars);
}
