import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { type Started, startPyramid } from './start-pyramid-process.ts';
import { adminToken, gatewayTestYaml, startTestGateway, type TestGateway } from './start-test-gateway.ts';

type ErrorBody = { error: { message: string; code: string; param: string | null } };

/** `{"a":{"a":…1…}}`, `depth` objects deep, written as text (JSON.stringify itself overflows on it). */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const toolBody = (parameters: string) =>
  `{"model":"auto","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${parameters}}}]}`;

describe('bounded JSON bodies, before the router sees them', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      gatewayYaml: '  limits: { items: 50, stringLength: 1000, messages: 5, tools: 2 }\n',
    });
  });
  after(() => gw.close());

  const post = async (body: string) => {
    const response = await gw.call('/v1/chat/completions', { method: 'POST', body });
    return { status: response.status, body: (await response.json()) as ErrorBody };
  };

  test('tool parameters nested 5,000 deep are a 400 naming the field, and no breaker, ledger or model sees them', async () => {
    const body = toolBody(nested(5000));
    assert.ok(body.length > 30_000 && body.length < 40_000);
    for (let index = 0; index < 3; index++) {
      const { status, body: answer } = await post(body);
      assert.equal(status, 400);
      assert.equal(answer.error.code, 'limit_exceeded');
      assert.match(answer.error.param ?? '', /^tools\[0\]\.function\.parameters\.a\.a/);
      assert.match(answer.error.message, /deeper than 64 levels \(gateway\.limits\.depth\)/);
    }
    assert.equal(gw.local.requests.length + gw.cloud.requests.length, 0, 'no model was called');
    const health = (await (await gw.call('/api/health')).json()) as {
      models: Record<string, { breaker: { state: string } }>;
    };
    for (const [model, entry] of Object.entries(health.models))
      assert.equal(entry.breaker.state, 'closed', `${model}'s breaker`);
    const usage = (await (await gw.call('/api/usage?since=1h&by=model')).json()) as { rows: unknown[] };
    assert.deepEqual(usage.rows, [], 'nothing reached the ledger');
    // Nesting within the limit is served as before.
    gw.local.enqueue({ text: 'ok' });
    assert.equal((await post(toolBody(nested(20)))).status, 200);
  });

  test('a 2 MB body nested a million deep is a 400 naming where (found on the text, before parsing)', async () => {
    const { status, body } = await post(
      `{"model":"auto","messages":${'['.repeat(999_980)}${']'.repeat(999_980)}}`,
    );
    assert.equal(status, 400);
    assert.equal(body.error.code, 'limit_exceeded');
    assert.equal(body.error.param, 'messages[0][0][0][0][0][0][0]…');
  });

  test('too many messages, tools, items or characters are a 400 naming the field and the setting', async () => {
    const message = (content: string) => ({ role: 'user', content });
    const tool = (name: string, parameters: unknown = {}) => ({
      type: 'function',
      function: { name, parameters },
    });
    const cases: [unknown, string, RegExp][] = [
      [
        { model: 'auto', messages: Array.from({ length: 6 }, () => message('x')) },
        'messages',
        /6 messages; the limit is 5 \(gateway\.limits\.messages\)/,
      ],
      [
        { model: 'auto', messages: [message('x')], tools: [tool('a'), tool('b'), tool('c')] },
        'tools',
        /3 tools; the limit is 2 \(gateway\.limits\.tools\)/,
      ],
      [
        { model: 'auto', messages: [message('x'.repeat(1001))] },
        'messages[0].content',
        /1001 characters long; the limit is 1000 \(gateway\.limits\.stringLength\)/,
      ],
      [
        {
          model: 'auto',
          messages: [message('x')],
          tools: [tool('a', { type: 'string', enum: Array.from({ length: 51 }, (_, index) => index) })],
        },
        'tools[0].function.parameters.enum',
        /51 items; the limit is 50 \(gateway\.limits\.items\)/,
      ],
      [
        {
          model: 'auto',
          messages: [message('x')],
          metadata: Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`k${index}`, 1])),
        },
        'metadata',
        /51 keys; the limit is 50 \(gateway\.limits\.items\)/,
      ],
    ];
    for (const [input, param, message] of cases) {
      const { status, body } = await post(JSON.stringify(input));
      assert.equal(status, 400, param);
      assert.equal(body.error.code, 'limit_exceeded', param);
      assert.equal(body.error.param, param);
      assert.match(body.error.message, message);
    }
    assert.equal(gw.local.requests.length, 1, 'only the earlier request within the limits reached a model');
  });
});

/** Sends raw bytes to the gateway; resolves with what came back once the server closed the connection. */
function rawConnection(url: string): { socket: Socket; answer: Promise<string> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => {});
  const answer = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`the gateway did not answer and close within 30 s; it sent: ${received.slice(0, 200)}`),
      );
    }, 30_000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
  return { socket, answer };
}

describe('every endpoint of pyramid start has a body limit', () => {
  let home: string;
  let local: FakeModelServer;
  let cloud: FakeModelServer;
  let started: Started;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-body-limits-'));
    [local, cloud] = await Promise.all([
      startFakeModelServer({ api: 'ollama' }),
      startFakeModelServer({ api: 'openai-completions' }),
    ]);
    await mkdir(home, { recursive: true });
    await writeFile(
      join(home, 'pyramid.yaml'),
      `${gatewayTestYaml(local, cloud)}agents:\n  - { id: triage, task: classify, prompt: "Label." }\n`,
    );
    started = await startPyramid({ PYRAMID_HOME: home, ADMIN_TOKEN: adminToken, CLOUD_KEY: 'sk-x' });
  });
  after(async () => {
    started.child.kill('SIGKILL');
    await started.exited;
    await Promise.all([local.close(), cloud.close()]);
    await rm(home, { recursive: true, force: true });
  });
  const head = (framing: string) =>
    `POST /api/jobs HTTP/1.1\r\nHost: ${new URL(started.url).host}\r\nAuthorization: Bearer ${adminToken}\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`;

  test('a 50 MB POST /api/jobs is a 413 from its Content-Length alone, and the connection is closed', async () => {
    const { socket, answer } = rawConnection(started.url);
    socket.write(head(`Content-Length: ${50 * 1024 * 1024}`));
    socket.write('{"id": "big", "payload": "');
    const text = await answer;
    assert.match(text, /^HTTP\/1\.1 413 /);
    assert.match(text, /request_too_large/);
    assert.match(text, /connection: close/i);
    assert.equal((await fetch(`${started.url}/health`)).status, 200);
  });

  test('a chunked POST /api/jobs is refused once it passes the limit, without the rest being read', async () => {
    const { socket, answer } = rawConnection(started.url);
    socket.write(head('Transfer-Encoding: chunked'));
    let answered = false;
    void answer.then(
      () => (answered = true),
      () => (answered = true),
    );
    const chunk = `{"x":"${'y'.repeat(64 * 1024)}",`;
    const chunkFrame = `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`;
    let sent = 0;
    // Up to 50 MB, stopping as soon as the server answers and closes.
    while (!answered && !socket.destroyed && sent < 50 * 1024 * 1024) {
      if (!socket.write(chunkFrame))
        await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
      sent += chunk.length;
    }
    const text = await answer;
    assert.match(text, /^HTTP\/1\.1 413 /);
    assert.ok(sent < 50 * 1024 * 1024, `the server read all ${sent} bytes before refusing`);
    assert.equal((await fetch(`${started.url}/health`)).status, 200);
  });

  test('POST /api/jobs takes JSON only, and bounded JSON', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${started.url}/api/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': type },
        body,
      });
    const job = JSON.stringify({
      id: 'plain',
      agent: 'triage',
      schedule: { every: '1h' },
      payload: { kind: 'agentTurn', message: 'x' },
    });
    const form = await post(job, 'text/plain');
    assert.equal(form.status, 415);
    assert.equal(((await form.json()) as ErrorBody).error.code, 'unsupported_media_type');
    const deep = await post(`{"id":"deep","payload":${nested(5000)}}`);
    assert.equal(deep.status, 400);
    assert.equal(((await deep.json()) as ErrorBody).error.param?.startsWith('payload.a.a'), true);
    const jobs = (await (
      await fetch(`${started.url}/api/jobs`, { headers: { authorization: `Bearer ${adminToken}` } })
    ).json()) as {
      jobs: unknown[];
    };
    assert.deepEqual(jobs.jobs, [], 'no job was added');
    assert.equal((await post(job)).status, 201, 'a JSON job is still added');
  });
});
