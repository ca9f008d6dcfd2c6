import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { httpGet } from '../../src/agents/http-get.ts';

test('http_get reads only the start of a body: an endless one is cut, not read into memory', async () => {
  let sent = 0;
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    const chunk = 'é'.repeat(32_768);
    const write = () => {
      while (!response.destroyed && response.write(chunk)) sent += chunk.length;
    };
    response.on('drain', write);
    write();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const controller = new AbortController();
  const giveUp = setTimeout(() => controller.abort(new Error('still reading after 5 s')), 5000);
  try {
    const answer = await httpGet({
      url: `http://127.0.0.1:${port}/`,
      allowedHosts: [`127.0.0.1:${port}`],
      allowPrivateAddresses: true,
      bodyChars: 100,
      signal: controller.signal,
    });
    assert.equal(answer, `status 200\n${'é'.repeat(100)}`);
    assert.ok(sent < 10_000_000, `stopped reading early (${sent} characters sent)`);
  } finally {
    clearTimeout(giveUp);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('http_get gives up on a host that does not answer, with an answer the agent can read', async () => {
  const server: Server = createServer(() => {
    // Accepts and never answers.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const started = Date.now();
    const answer = await httpGet({
      url: `http://127.0.0.1:${port}/`,
      allowedHosts: [`127.0.0.1:${port}`],
      allowPrivateAddresses: true,
      timeoutMs: 300,
    });
    assert.equal(answer, 'error: no answer within 0.3 s');
    assert.ok(Date.now() - started < 2000);
    // The caller's own abort is still an abort, not a tool answer.
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('the run timed out')), 50);
    await assert.rejects(
      httpGet({
        url: `http://127.0.0.1:${port}/`,
        allowedHosts: [`127.0.0.1:${port}`],
        allowPrivateAddresses: true,
        signal: controller.signal,
      }),
      /the run timed out/,
    );
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A local server that records each request's Host header and path, and how many were open at once. */
async function recordingServer(
  handler?: (path: string) => { status: number; location?: string } | undefined,
) {
  const hits: { host?: string; path?: string }[] = [];
  let open = 0;
  let mostOpen = 0;
  const server: Server = createServer((request, response) => {
    hits.push({ host: request.headers.host, path: request.url });
    open++;
    mostOpen = Math.max(mostOpen, open);
    response.on('close', () => open--);
    const planned = handler?.(request.url ?? '/');
    if (planned) response.writeHead(planned.status, planned.location ? { location: planned.location } : {});
    // Held a moment, so that calls made at once are open at once.
    setTimeout(() => response.end(`body of ${request.url}`), 50);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    hits,
    mostOpen: () => mostOpen,
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

test('http_get checks the resolved address: an allowed name pointing at 127.0.0.1 is refused, unless private addresses are allowed', async () => {
  const server = await recordingServer();
  const resolved: string[] = [];
  const resolveHost = async (hostname: string) => {
    resolved.push(hostname);
    return [{ address: '127.0.0.1', family: 4 }];
  };
  try {
    const url = `http://docs.example:${server.port}/page`;
    const allowedHosts = [`docs.example:${server.port}`];
    const refused = await httpGet({ url, allowedHosts, resolveHost });
    assert.match(refused, /^error: docs\.example resolves to 127\.0\.0\.1, a loopback address/);
    assert.match(refused, /httpAllowPrivateAddresses: true/);
    assert.equal(server.hits.length, 0, 'nothing was sent to the loopback server');

    const allowed = await httpGet({ url, allowedHosts, resolveHost, allowPrivateAddresses: true });
    assert.equal(allowed, 'status 200\nbody of /page');
    assert.deepEqual(
      server.hits,
      [{ host: `docs.example:${server.port}`, path: '/page' }],
      'the name stays in Host',
    );
    assert.deepEqual(
      resolved,
      ['docs.example', 'docs.example'],
      'resolved once per GET: the connection goes to the checked address',
    );
  } finally {
    await server.close();
  }
});

test('http_get refuses metadata, private, CGNAT, unique-local and IPv4-mapped addresses, literal or resolved, before connecting', async () => {
  const cases: [string, RegExp][] = [
    ['169.254.169.254', /link-local \(and cloud metadata/],
    ['10.0.0.7', /a private address/],
    ['192.168.1.1', /a private address/],
    ['100.100.100.200', /carrier-grade NAT/],
    ['fd00:ec2::254', /unique local/],
    ['::ffff:127.0.0.1', /a loopback address/],
    ['::1', /a loopback address/],
  ];
  for (const [address, range] of cases) {
    const resolveHost = async () => [{ address, family: address.includes(':') ? 6 : 4 }];
    const named = await httpGet({ url: 'http://docs.example/', allowedHosts: ['docs.example'], resolveHost });
    assert.match(named, range, address);
    const host = address.includes(':') ? `[${address}]` : address;
    const literal = await httpGet({ url: `http://${host}/`, allowedHosts: [host] });
    assert.match(literal, range, `${address} as a literal`);
  }
  // One bad address among good ones is enough to refuse: the name is not to be trusted.
  const mixed = async () => [
    { address: '93.184.215.14', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ];
  assert.match(
    await httpGet({ url: 'http://docs.example/', allowedHosts: ['docs.example'], resolveHost: mixed }),
    /resolves to 127\.0\.0\.1, a loopback address/,
  );
});

test('http_get reaches only ports 80 and 443 unless host:port is listed, on every redirect hop too', async () => {
  const other = await recordingServer();
  const server = await recordingServer((path) =>
    path === '/away' ? { status: 302, location: `http://docs.example:${other.port}/secret` } : undefined,
  );
  const resolveHost = async () => [{ address: '127.0.0.1', family: 4 }];
  try {
    const unlisted = await httpGet({
      url: `http://docs.example:${server.port}/`,
      allowedHosts: ['docs.example'],
      resolveHost,
      allowPrivateAddresses: true,
    });
    assert.match(
      unlisted,
      new RegExp(`^error: port ${server.port} of docs\\.example is not allowed: only 80 and 443`),
    );
    assert.equal(server.hits.length, 0);
    const redirected = await httpGet({
      url: `http://docs.example:${server.port}/away`,
      allowedHosts: [`docs.example:${server.port}`],
      resolveHost,
      allowPrivateAddresses: true,
    });
    assert.match(
      redirected,
      new RegExp(`^error: port ${other.port} of docs\\.example is not allowed \\(reached by a redirect\\)`),
    );
    assert.equal(other.hits.length, 0, 'the redirect target was never reached');
  } finally {
    await server.close();
    await other.close();
  }
});
