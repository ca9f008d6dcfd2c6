import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ResolveHost } from '../../src/agents/http-get.ts';
import { Lane } from '../../src/agents/lane.ts';
import { runAgentTurn } from '../../src/agents/run-agent-turn.ts';
import type { ChatRequest } from '../../src/contracts/chat-request.ts';
import type { AgentConfig } from '../../src/contracts/pyramid-config.ts';
import { createModelAdapter } from '../../src/providers/create-model-adapter.ts';
import { Router } from '../../src/router/router.ts';
import { openInlineStores } from '../../src/store/index.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { testAgent, testPyramid } from '../scheduler/scheduler-harness.ts';

describe('an agent turn', () => {
  let fake: FakeModelServer;
  before(async () => {
    fake = await startFakeModelServer({ api: 'openai-completions' });
  });
  after(() => fake.close());

  function setup(agent: AgentConfig, resolveHost?: ResolveHost) {
    const config = testPyramid(fake);
    const router = new Router({
      config,
      ledger: { record() {}, spentSince: () => 0 },
      adapterFor: (name) =>
        createModelAdapter({ provider: config.providers.fake, model: config.models[name] }),
    });
    const sessions = openInlineStores(':memory:').sessions;
    const turn = (message: string, id = 'job:j:run:1') =>
      runAgentTurn({
        router,
        sessions,
        agent,
        session: { id, kind: 'isolated', agentId: agent.id, createdAt: 0 },
        message,
        subagents: new Lane(4),
        now: () => 0,
        ...(resolveHost ? { resolveHost } : {}),
      });
    return { turn, sessions };
  }

  test("an agent's calls are scheduled requests carrying the agent's failover policy", async () => {
    const config = testPyramid(fake);
    const router = new Router({
      config,
      ledger: { record() {}, spentSince: () => 0 },
      adapterFor: (name) =>
        createModelAdapter({ provider: config.providers.fake, model: config.models[name] }),
    });
    const seen: ChatRequest[] = [];
    const observed = {
      complete: (request: ChatRequest) => {
        seen.push(request);
        return router.complete(request);
      },
      explain: (request: ChatRequest) => router.explain(request),
    };
    const agent = { ...testAgent('scout'), failover: { maxClimb: 0 } };
    await runAgentTurn({
      router: observed,
      sessions: openInlineStores(':memory:').sessions,
      agent,
      session: { id: 'job:j:run:1', kind: 'isolated', agentId: agent.id, createdAt: 0 },
      message: 'hello',
      subagents: new Lane(4),
      now: () => 0,
    });
    assert.equal(
      seen[0].callerKind,
      'scheduled',
      'nobody waits on an agent run: it may wait out a Retry-After',
    );
    assert.deepEqual(seen[0].failover, { maxClimb: 0 });
  });

  test('escalate asks the router for the next tier with the reason; the higher tier never sees the request to escalate', async () => {
    fake.requests.length = 0;
    fake.enqueue(
      { toolCalls: [{ name: 'escalate', arguments: '{"reason":"needs deeper analysis"}' }] },
      { text: 'done' },
    );
    const { turn } = setup(testAgent('a', { tools: ['escalate'] }));
    const result = await turn('hard question');
    assert.equal(result.output, 'done');
    assert.deepEqual(result.tiers, [0, 1]);
    assert.deepEqual(result.escalations, [{ fromTier: 0, reason: 'needs deeper analysis' }]);
    const second = fake.requests[1].body as { model: string; messages: unknown[] };
    assert.equal(second.model, 'm1');
    assert.equal(second.messages.length, 2, 'system + user only');
  });

  test('an escalation holds for the rest of the turn: after a tool call the next step stays on the higher tier', async () => {
    fake.requests.length = 0;
    fake.enqueue(
      { toolCalls: [{ name: 'escalate', arguments: '{"reason":"needs deeper analysis"}' }] },
      { toolCalls: [{ name: 'remember', arguments: '{"key":"k","value":"v"}' }] },
      { text: 'done' },
    );
    const { turn } = setup(testAgent('e', { tools: ['escalate', 'remember'] }));
    const result = await turn('hard question');
    assert.equal(result.output, 'done');
    assert.deepEqual(
      fake.requests.map((request) => (request.body as { model: string }).model),
      ['m0', 'm1', 'm1'],
    );
    assert.deepEqual(result.escalations, [{ fromTier: 0, reason: 'needs deeper analysis' }], 'recorded once');
  });

  test('NO_REPLY is nothing to deliver; remember and recall keep agent-scoped notes', async () => {
    fake.enqueue(
      { toolCalls: [{ name: 'remember', arguments: '{"key":"last","value":"42"}' }] },
      { text: 'NO_REPLY' },
      { toolCalls: [{ name: 'recall', arguments: '{}' }] },
      { text: 'the last was 42' },
    );
    const { turn, sessions } = setup(testAgent('n', { tools: ['remember', 'recall'] }));
    const first = await turn('note it', 'job:j:run:1');
    assert.equal(first.noReply, true);
    assert.deepEqual(
      (await sessions.recall('n')).map((note) => [note.key, note.value]),
      [['last', '42']],
    );
    fake.requests.length = 0;
    const second = await turn('what was last?', 'job:j:run:2');
    assert.equal(second.noReply, false);
    const toolMessage = (
      fake.requests[1].body as { messages: { role: string; content: string }[] }
    ).messages.find((message) => message.role === 'tool');
    assert.match(toolMessage?.content ?? '', /"value":"42"/);
  });

  test('a tool call with malformed or missing arguments is answered with an error and does nothing', async () => {
    fake.enqueue(
      {
        toolCalls: [
          { name: 'remember', arguments: '{"key": "k", "value": ' },
          { name: 'remember', arguments: '{"key": "k"}' },
          { name: 'spawn_subagents', arguments: '{"task": []}' },
        ],
      },
      { text: 'ok' },
    );
    fake.requests.length = 0;
    const { turn, sessions } = setup(testAgent('m', { tools: ['remember', 'spawn_subagents'] }));
    await turn('go');
    assert.deepEqual(await sessions.recall('m'), [], 'no note stored');
    assert.equal(fake.requests.length, 2, 'no subagent was started');
    const tools = (
      fake.requests[1].body as { messages: { role: string; content: string }[] }
    ).messages.filter((m) => m.role === 'tool');
    assert.match(tools[0].content, /^error: the arguments are not a JSON object/);
    assert.match(tools[1].content, /^error: remember needs a string key and a string value/);
    assert.match(tools[2].content, /^error: spawn_subagents needs tasks/);
  });

  test('two spawn_subagents calls in one answer give each sub-task a session of its own', async () => {
    const spawn = (prompts: string[]) => ({
      name: 'spawn_subagents',
      arguments: JSON.stringify({ tasks: prompts.map((prompt) => ({ prompt })) }),
    });
    fake.enqueue({ toolCalls: [spawn(['P1']), spawn(['P2', 'P3'])] });
    fake.setDefault({ text: 'part done' });
    try {
      const { turn, sessions } = setup(testAgent('s', { tools: ['spawn_subagents'] }));
      await turn('split it', 'job:j:run:7');
      const children = await Promise.all(
        [0, 1, 2].map(async (index) =>
          (await sessions.messages(`job:j:run:7:sub:${index}`))
            .filter((entry) => entry.message.role === 'user')
            .map((entry) => entry.message.content),
        ),
      );
      assert.deepEqual(children.flat().sort(), ['P1', 'P2', 'P3']);
      assert.ok(
        children.every((prompts) => prompts.length === 1),
        JSON.stringify(children),
      );
    } finally {
      fake.setDefault({});
    }
  });

  test('spawn_subagents with more than 8 tasks runs 8 and tells the model which did not run', async () => {
    const prompts = Array.from({ length: 10 }, (_, index) => `T${index}`);
    fake.enqueue({
      toolCalls: [
        {
          name: 'spawn_subagents',
          arguments: JSON.stringify({ tasks: prompts.map((prompt) => ({ prompt })) }),
        },
      ],
    });
    fake.setDefault({ text: 'part done' });
    fake.requests.length = 0;
    try {
      const { turn } = setup(testAgent('m', { tools: ['spawn_subagents'] }));
      await turn('split it into ten');
      const last = fake.requests.at(-1)?.body as { messages: { role: string; content: string }[] };
      const answer = JSON.parse(last.messages.find((message) => message.role === 'tool')?.content ?? '{}');
      assert.equal(answer.results.length, 8);
      assert.deepEqual(
        answer.notRun.map((task: { prompt: string }) => task.prompt),
        ['T8', 'T9'],
      );
      assert.match(answer.note, /only the first 8 of 10 tasks ran/);
    } finally {
      fake.setDefault({});
    }
  });

  test('http_get reaches allowed hosts only', async () => {
    const hits: string[] = [];
    const server: Server = createServer((request, response) => {
      hits.push(`${request.headers.host}${request.url}`);
      response.end('page body');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    // Both names point at the local server; only one is allowed.
    const resolveHost: ResolveHost = async () => [{ address: '127.0.0.1', family: 4 }];
    try {
      fake.enqueue(
        {
          toolCalls: [
            { name: 'http_get', arguments: JSON.stringify({ url: `http://evil.example:${port}/x` }) },
            { name: 'http_get', arguments: JSON.stringify({ url: `http://docs.example:${port}/y` }) },
          ],
        },
        { text: 'ok' },
      );
      fake.requests.length = 0;
      const agent = testAgent('h', {
        tools: ['http_get'],
        httpAllowedHosts: [`docs.example:${port}`],
        httpAllowPrivateAddresses: true,
      });
      const { turn } = setup(agent, resolveHost);
      await turn('look it up');
      assert.deepEqual(hits, [`docs.example:${port}/y`]);
      const tools = (
        fake.requests[1].body as { messages: { role: string; content: string }[] }
      ).messages.filter((m) => m.role === 'tool');
      assert.match(tools[0].content, /evil\.example is not an allowed host/);
      assert.match(tools[1].content, /page body/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('http_get of an agent without httpAllowPrivateAddresses refuses an allowed name that resolves to 127.0.0.1', async () => {
    const hits: string[] = [];
    const server: Server = createServer((request, response) => {
      hits.push(request.url ?? '');
      response.end('internal admin page');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      fake.enqueue(
        {
          toolCalls: [
            { name: 'http_get', arguments: JSON.stringify({ url: `http://docs.example:${port}/admin` }) },
          ],
        },
        { text: 'ok' },
      );
      fake.requests.length = 0;
      const { turn } = setup(
        testAgent('p', { tools: ['http_get'], httpAllowedHosts: [`docs.example:${port}`] }),
        async () => [{ address: '127.0.0.1', family: 4 }],
      );
      await turn('look it up');
      const [tool] = (
        fake.requests[1].body as { messages: { role: string; content: string }[] }
      ).messages.filter((m) => m.role === 'tool');
      assert.match(tool.content, /resolves to 127\.0\.0\.1, a loopback address/);
      assert.deepEqual(hits, [], 'the local server was never reached');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('at most maxToolCalls tool calls of one answer run, at once; the model is told which did not run', async () => {
    let open = 0;
    let mostOpen = 0;
    let hits = 0;
    const server: Server = createServer((_request, response) => {
      hits++;
      open++;
      mostOpen = Math.max(mostOpen, open);
      response.on('close', () => open--);
      setTimeout(() => response.end('page'), 50);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const calls = Array.from({ length: 200 }, (_, index) => ({
        name: 'http_get',
        arguments: JSON.stringify({ url: `http://127.0.0.1:${port}/${index}` }),
      }));
      fake.enqueue({ toolCalls: calls }, { text: 'ok' });
      fake.requests.length = 0;
      const agent = testAgent('many', {
        tools: ['http_get'],
        httpAllowedHosts: [`127.0.0.1:${port}`],
        httpAllowPrivateAddresses: true,
      });
      const { turn } = setup(agent);
      await turn('fetch them all');
      assert.equal(hits, 8, 'the default maxToolCalls is 8');
      assert.ok(mostOpen <= 8, `${mostOpen} connections at once`);
      const tools = (
        fake.requests[1].body as { messages: { role: string; content: string }[] }
      ).messages.filter((m) => m.role === 'tool');
      assert.equal(tools.length, 200, 'every call has its answer');
      assert.ok(tools.slice(0, 8).every((tool) => tool.content.startsWith('status 200')));
      assert.ok(
        tools
          .slice(8)
          .every((tool) =>
            /^error: not run: this answer asked for 200 tool calls and at most 8 run/.test(tool.content),
          ),
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('http_get checks the host of every redirect hop: an allowed host cannot redirect to a disallowed one', async () => {
    const hits: string[] = [];
    // Listens on every interface, so that the disallowed name `localhost` reaches it too.
    const server: Server = createServer((request, response) => {
      hits.push(`${request.headers.host}${request.url}`);
      if (request.url === '/away') {
        response.writeHead(302, { location: `http://localhost:${port}/secret` }).end();
      } else if (request.url === '/here') {
        response.writeHead(301, { location: '/page' }).end();
      } else if (request.url === '/loop') {
        response.writeHead(302, { location: '/loop' }).end();
      } else {
        response.end(`body of ${request.url}`);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      fake.enqueue(
        {
          toolCalls: [
            { name: 'http_get', arguments: JSON.stringify({ url: `http://127.0.0.1:${port}/away` }) },
            { name: 'http_get', arguments: JSON.stringify({ url: `http://127.0.0.1:${port}/here` }) },
            { name: 'http_get', arguments: JSON.stringify({ url: `http://127.0.0.1:${port}/loop` }) },
          ],
        },
        { text: 'ok' },
      );
      fake.requests.length = 0;
      const { turn } = setup(
        testAgent('r', {
          tools: ['http_get'],
          httpAllowedHosts: [`127.0.0.1:${port}`],
          httpAllowPrivateAddresses: true,
        }),
      );
      await turn('follow it');
      const tools = (
        fake.requests[1].body as { messages: { role: string; content: string }[] }
      ).messages.filter((m) => m.role === 'tool');
      assert.match(tools[0].content, /localhost is not an allowed host/);
      assert.doesNotMatch(tools[0].content, /secret/);
      assert.ok(!hits.some((hit) => hit.includes('/secret')), 'the disallowed host was never fetched');
      assert.match(
        tools[1].content,
        /^status 200\nbody of \/page/,
        'a redirect within the allowed host is followed',
      );
      assert.match(tools[2].content, /more than \d+ redirects/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
