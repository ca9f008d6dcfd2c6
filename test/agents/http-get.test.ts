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
      allowedHosts: ['127.0.0.1'],
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
      allowedHosts: ['127.0.0.1'],
      timeoutMs: 300,
    });
    assert.equal(answer, 'error: no answer within 0.3 s');
    assert.ok(Date.now() - started < 2000);
    // The caller's own abort is still an abort, not a tool answer.
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('the run timed out')), 50);
    await assert.rejects(
      httpGet({ url: `http://127.0.0.1:${port}/`, allowedHosts: ['127.0.0.1'], signal: controller.signal }),
      /the run timed out/,
    );
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
