import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientToken, startTestGateway, type TestGateway } from './start-test-gateway.ts';

describe('a client that goes away cancels the upstream call', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(() => gw.close());

  async function waitForAbortRecord(requestId: string, withinMs: number) {
    const deadline = Date.now() + withinMs;
    while (Date.now() < deadline) {
      const stored = await gw.platform.ledger.getRequest(requestId);
      if (stored) return stored;
      await sleep(20);
    }
    return undefined;
  }

  test('mid-stream: the upstream stream is abandoned at once and recorded as aborted', async () => {
    // 40 chunks 250 ms apart: 10 s if nobody cancelled.
    gw.local.enqueue({ text: 'x'.repeat(160), chunkSize: 4, chunkDelayMs: 250 });
    const controller = new AbortController();
    const response = await gw.call('/v1/chat/completions', {
      method: 'POST',
      token: clientToken,
      signal: controller.signal,
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'long' }], stream: true }),
    });
    assert.equal(response.status, 200);
    const requestId = response.headers.get('x-pyramid-request-id')!;
    const reader = response.body!.getReader();
    const first = await reader.read();
    assert.match(new TextDecoder().decode(first.value), /chat\.completion\.chunk/);
    const cancelledAt = Date.now();
    controller.abort();
    const stored = await waitForAbortRecord(requestId, 3000);
    assert.ok(stored, 'the request was recorded within 3 s, not after the 10 s stream');
    assert.equal(stored.outcome, 'error');
    assert.equal(stored.errorCode, 'aborted');
    assert.ok(Date.now() - cancelledAt < 3000);
    await sleep(50);
    assert.equal(gw.server.inFlight(), 0);
    assert.match(await (await gw.call('/metrics')).text(), /pyramid_requests_in_flight 0/);
  });

  test('non-streaming: the upstream call is aborted when the client disconnects', async () => {
    gw.local.enqueue({ delayMs: 8000 });
    const controller = new AbortController();
    const pending = gw
      .call('/v1/chat/completions', {
        method: 'POST',
        token: clientToken,
        signal: controller.signal,
        body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'slow' }] }),
      })
      .catch((error: unknown) => error);
    await sleep(300);
    const cloudCalls = gw.cloud.requests.length;
    const before = await gw.platform.ledger.usage({ sinceMs: 0, by: 'agent' });
    const abortedAt = Date.now();
    controller.abort();
    await pending;
    let after = before;
    while (Date.now() - abortedAt < 3000 && after.totals.requests === before.totals.requests) {
      await sleep(10);
      after = await gw.platform.ledger.usage({ sinceMs: 0, by: 'agent' });
    }
    assert.equal(after.totals.requests, before.totals.requests + 1);
    // The local provider's 1 s connect timeout would have failed over to the cloud; an abort does not.
    assert.ok(
      Date.now() - abortedAt < 600,
      'recorded as soon as the client left, before the connect timeout',
    );
    await sleep(1200);
    assert.equal(gw.cloud.requests.length, cloudCalls, 'no failover after the client left');
  });

  test('a client that leaves before the answer still gets its request log line (499), and no internal error', async () => {
    const logLines = () =>
      gw
        .logs()
        .split('\n')
        .filter((line) => line.includes('"path":"/v1/chat/completions"'))
        .map((line) => JSON.parse(line) as { level: number; status: number; requestId?: string });
    for (const stream of [false, true]) {
      const before = logLines().length;
      // The answer starts after 1.5 s; the client leaves after 300 ms, before the first token.
      gw.local.enqueue({ delayMs: 1500 });
      const controller = new AbortController();
      const pending = gw
        .call('/v1/chat/completions', {
          method: 'POST',
          token: clientToken,
          signal: controller.signal,
          body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'bye' }], stream }),
        })
        .catch((error: unknown) => error);
      await sleep(300);
      controller.abort();
      await pending;
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline && logLines().length === before) await sleep(20);
      const added = logLines().slice(before);
      assert.equal(added.length, 1, `stream ${stream}: one request log line for the aborted request`);
      assert.equal(added[0].status, 499, `stream ${stream}`);
      assert.ok(added[0].requestId, `stream ${stream}: the log line names the request`);
      const stored = await waitForAbortRecord(added[0].requestId, 1000);
      assert.equal(stored?.errorCode, 'aborted');
    }
    assert.doesNotMatch(gw.logs(), /internal error/, 'a client leaving is not an internal error');
  });

  test('a client that leaves while sending its body is a 499 in the log, not an internal error', async () => {
    const { hostname, port } = new URL(gw.url);
    for (const framing of ['Transfer-Encoding: chunked', 'Content-Length: 1000']) {
      const before = gw.logs().length;
      const socket = connect(Number(port), hostname);
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${clientToken}\r\n` +
          `Content-Type: application/json\r\n${framing}\r\n\r\n`,
      );
      socket.write(framing.startsWith('Transfer') ? '5\r\n{"mod\r\n' : '{"mod');
      await sleep(100);
      socket.destroy();
      const deadline = Date.now() + 2000;
      while (Date.now() < deadline && !gw.logs().slice(before).includes('"msg":"request"')) await sleep(20);
      const added = gw.logs().slice(before);
      assert.match(added, /"path":"\/v1\/chat\/completions","status":499/, framing);
      assert.doesNotMatch(added, /internal error/, framing);
    }
    assert.equal((await gw.call('/health', { token: null })).status, 200);
  });
});
