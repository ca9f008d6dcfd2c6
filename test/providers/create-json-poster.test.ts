import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { APICallError } from '@ai-sdk/provider';
import { createJsonPoster, readBodyText } from '../../src/providers/http/create-json-poster.ts';

let server: Server;
let url: URL;
const requestsPerSocket = new Map<Socket, number>();
let behaviour: 'ok' | 'drop-reused' | 'error' | 'slow-body' = 'ok';
let connections = 0;

before(async () => {
  server = createServer((request, response) => {
    const socket = request.socket;
    const count = (requestsPerSocket.get(socket) ?? 0) + 1;
    requestsPerSocket.set(socket, count);
    if (behaviour === 'drop-reused' && count > 1) {
      // The server closed its idle connection just as the client reused it.
      socket.destroy();
      return;
    }
    if (behaviour === 'error') {
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
      response.end(JSON.stringify({ error: { message: 'slow down', code: 'rate_limit_exceeded' } }));
      return;
    }
    if (behaviour === 'slow-body') {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: first\n\n');
      return; // never ends
    }
    let body = '';
    request.on('data', (data) => (body += data));
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ echo: JSON.parse(body) }));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`);
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const post = (poster: ReturnType<typeof createJsonPoster>, signal = new AbortController().signal) =>
  poster({ url, headers: { authorization: 'Bearer k' }, body: JSON.stringify({ n: 1 }), signal });

test('keeps the connection alive between calls', async () => {
  behaviour = 'ok';
  const poster = createJsonPoster();
  const before = connections;
  try {
    for (let i = 0; i < 3; i++) {
      const response = await post(poster);
      assert.deepEqual(JSON.parse(await readBodyText(response)), { echo: { n: 1 } });
    }
    assert.equal(connections - before, 1);
  } finally {
    poster.close();
  }
});

test('a pooled connection the server dropped as it was reused is retried once on a new one', async () => {
  behaviour = 'ok';
  const poster = createJsonPoster();
  try {
    await readBodyText(await post(poster));
    behaviour = 'drop-reused';
    const before = connections;
    const response = await post(poster);
    assert.equal(response.statusCode, 200);
    assert.deepEqual(JSON.parse(await readBodyText(response)), { echo: { n: 1 } });
    assert.equal(connections - before, 1, 'the retry went over a new connection');
  } finally {
    poster.close();
  }
});

test('an error status rejects with an APICallError carrying status, headers and body', async () => {
  behaviour = 'error';
  const poster = createJsonPoster();
  try {
    await assert.rejects(post(poster), (error: unknown) => {
      assert.ok(APICallError.isInstance(error));
      assert.equal(error.statusCode, 429);
      assert.equal(error.responseHeaders?.['retry-after'], '3');
      assert.match(error.responseBody ?? '', /rate_limit_exceeded/);
      return true;
    });
  } finally {
    poster.close();
  }
});

test('aborting while the body is read ends the read with the abort reason', async () => {
  behaviour = 'slow-body';
  const poster = createJsonPoster();
  const controller = new AbortController();
  try {
    const response: IncomingMessage = await post(poster, controller.signal);
    const reading = readBodyText(response);
    const reason = new Error('stop now');
    setTimeout(() => controller.abort(reason), 20);
    await assert.rejects(reading, (error: unknown) => error === reason);
  } finally {
    poster.close();
  }
});

test('with proxy settings (NODE_USE_ENV_PROXY), requests go through the HTTP proxy', async () => {
  behaviour = 'ok';
  const seen: string[] = [];
  const proxy = createServer((request, response) => {
    seen.push(request.url ?? '');
    // A forwarding proxy: pass the request on to the target named in the absolute URL.
    const target = new URL(request.url ?? '');
    const forward = httpRequest(target, { method: request.method, headers: request.headers }, (upstream) => {
      response.writeHead(upstream.statusCode ?? 502, upstream.headers);
      upstream.pipe(response);
    });
    request.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const poster = createJsonPoster({ proxyEnv: { HTTP_PROXY: proxyUrl } });
  try {
    const response = await post(poster);
    assert.deepEqual(JSON.parse(await readBodyText(response)), { echo: { n: 1 } });
    assert.deepEqual(seen, [url.href]);
  } finally {
    poster.close();
    proxy.closeAllConnections();
    proxy.close();
  }
});
