import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { type Started, startPyramid } from './start-pyramid-process.ts';
import { adminToken, clientToken, gatewayTestYaml } from './start-test-gateway.ts';

// The gateway runs with 256 open files (about 35 in use at rest); the flood is more connections than that.
const openFiles = 256;
const idleFlood = 300;
const slowFlood = 100;

type Connection = { socket: Socket; closed: Promise<void>; isClosed: () => boolean };

/** A TCP connection to the gateway, open once it resolves; `closed` settles when either side ends it. */
async function open(url: string, send = ''): Promise<Connection> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let closed = false;
  socket.on('error', () => {});
  socket.on('data', () => {});
  const closedPromise = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void closedPromise.then(() => (closed = true));
  await new Promise<void>((resolve) => {
    socket.once('connect', () => resolve());
    socket.once('close', () => resolve());
  });
  if (send) socket.write(send);
  return { socket, closed: closedPromise, isClosed: () => closed };
}

async function flood(url: string, count: number, send = ''): Promise<Connection[]> {
  const connections: Connection[] = [];
  for (let start = 0; start < count; start += 50)
    connections.push(
      ...(await Promise.all(Array.from({ length: Math.min(50, count - start) }, () => open(url, send)))),
    );
  return connections;
}

async function waitFor(condition: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

async function startWithOpenFiles(home: string, yaml: string): Promise<Started> {
  await writeFile(join(home, 'pyramid.yaml'), yaml);
  return startPyramid(
    { PYRAMID_HOME: home, ADMIN_TOKEN: adminToken, CLIENT_TOKEN: clientToken, CLOUD_KEY: 'sk-x' },
    [],
    ['prlimit', `--nofile=${openFiles}`, '--'],
  );
}

describe('a flood of connections under a low open-file limit', () => {
  let home: string;
  let local: FakeModelServer;
  let cloud: FakeModelServer;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-connections-'));
    [local, cloud] = await Promise.all([
      startFakeModelServer({ api: 'ollama' }),
      startFakeModelServer({ api: 'openai-completions' }),
    ]);
  });
  after(async () => {
    await Promise.all([local.close(), cloud.close()]);
    await rm(home, { recursive: true, force: true });
  });

  test('idle and slowloris connections past the cap cannot keep a normal client out, nor drop a request being served', async () => {
    // Timeouts far longer than the test: only the connection cap can make room.
    const started = await startWithOpenFiles(
      home,
      gatewayTestYaml(
        local,
        cloud,
        '  connections: { max: 100, headersTimeout: 5m, bodyTimeout: 5m, idleTimeout: 5m }\n',
      ),
    );
    const connections: Connection[] = [];
    try {
      const host = new URL(started.url).host;
      // A request being served throughout the flood: its client sends half its body now, the rest after.
      const body = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
      const busy = await open(
        started.url,
        `POST /v1/chat/completions HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${clientToken}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
      );
      let answer = '';
      busy.socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
      assert.equal((await fetch(`${started.url}/health`)).status, 200);
      connections.push(...(await flood(started.url, idleFlood)));
      connections.push(
        ...(await flood(started.url, slowFlood, `GET /v1/models HTTP/1.1\r\nHost: ${host}\r\nX-Slow: `)),
      );
      assert.equal((await fetch(`${started.url}/health`)).status, 200);
      const models = await fetch(`${started.url}/v1/models`, {
        headers: { authorization: `Bearer ${clientToken}` },
      });
      assert.equal(models.status, 200);
      const stillOpen = () => connections.filter((connection) => !connection.isClosed()).length;
      await waitFor(() => stillOpen() <= 100, 'at most 100 flood connections are open (the cap)');
      busy.socket.write(body.slice(10));
      await waitFor(() => answer.includes('\r\n\r\n') || busy.isClosed(), 'the busy request was answered');
      assert.match(answer, /^HTTP\/1\.1 200 /, 'the request being served was not dropped');
      busy.socket.destroy();
      assert.equal(started.child.exitCode, null, 'the gateway is still running');
    } finally {
      for (const connection of connections) connection.socket.destroy();
      started.child.kill('SIGKILL');
      await started.exited;
    }
  });

  test('slow headers, half-sent bodies and idle connections are closed after their timeouts', async () => {
    const started = await startWithOpenFiles(
      home,
      gatewayTestYaml(
        local,
        cloud,
        '  connections: { headersTimeout: 1s, bodyTimeout: 1s, idleTimeout: 1s }\n',
      ),
    );
    try {
      const host = new URL(started.url).host;
      const silent = await open(started.url);
      const slowHeaders = await open(started.url, `GET /v1/models HTTP/1.1\r\nHost: ${host}\r\nX-Slow: `);
      const halfBody = await open(
        started.url,
        `POST /v1/chat/completions HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${clientToken}\r\n` +
          'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":',
      );
      const idle = await open(
        started.url,
        `GET /health HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n`,
      );
      // Node's defaults (60 s for headers, 5 min for a whole request) would hold these far longer.
      await Promise.all(
        [silent, slowHeaders, halfBody, idle].map((connection, index) =>
          Promise.race([
            connection.closed,
            sleep(30_000).then(() => {
              throw new Error(`connection ${index} was still open after 30 s`);
            }),
          ]),
        ),
      );
      assert.equal((await fetch(`${started.url}/health`)).status, 200);
    } finally {
      started.child.kill('SIGKILL');
      await started.exited;
    }
  });
});
