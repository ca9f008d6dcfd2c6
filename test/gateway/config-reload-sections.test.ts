import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runPyramid } from '../cli/run-pyramid.ts';
import type { RecordedRequest } from '../fakes/fake-behaviour.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { type Started, startPyramid } from './start-pyramid-process.ts';
import { adminToken, clientToken } from './start-test-gateway.ts';

const lateToken = 'late-client-token-0123456789';

/** Waits for `condition` (a generous deadline, never a fixed sleep). */
async function until<T>(condition: () => T | Promise<T>, what: string, deadlineMs = 60_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const isChat = (request: RecordedRequest) => request.method === 'POST' && /chat/.test(request.path);

describe('a reload applies providers, models, tasks, aliases, breakers, budgets, channels, alerts and tokens in place', () => {
  let home: string;
  let local: FakeModelServer;
  let cloudA: FakeModelServer;
  let cloudB: FakeModelServer;
  let started: Started;
  let file: string;

  /** The config file: the cloud provider at `cloud`, and `more` appended (sections, or gateway lines). */
  const yaml = (cloud: FakeModelServer, options: { more?: string; tokens?: string } = {}) => `
providers:
  local: { api: ollama, baseUrl: "${local.baseUrl}", timeouts: { connect: 1s, firstToken: 5s, total: 30s } }
  cloud: { api: openai-completions, baseUrl: "${cloud.baseUrl}", apiKey: "env:CLOUD_KEY", timeouts: { connect: 1s, firstToken: 30s, total: 60s } }
models:
  local-model: { provider: local, id: "fake-model", cost: { input: 0, output: 0 } }
  cloud-model: { provider: cloud, id: fake-model, cost: { input: 1, output: 2 } }
tiers:
  - [local-model]
  - [cloud-model]
tasks:
  default: 0
  classify: 0
  summarize: 1
router:
  breaker: { failureThreshold: 1, cooldown: 1h, maxCooldown: 1h }
gateway:
  probeInterval: 1h
  auth:
${
  options.tokens ??
  `    tokens:
      - { name: ops, token: "env:ADMIN_TOKEN", scopes: [admin] }
      - { name: support-bot, token: "env:CLIENT_TOKEN", scopes: [client] }`
}
    throttle: { maxFailures: 1000, window: 1m }
${options.more ?? ''}`;

  const call = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${started.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${init.token ?? adminToken}`,
        'content-type': 'application/json',
      },
    });
  const chat = (model: string, token = clientToken) =>
    call('/v1/chat/completions', {
      method: 'POST',
      token,
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello?' }] }),
    });
  /** Sends SIGHUP and waits for the next reload's log line; returns it, parsed. */
  const hangUp = async () => {
    const seen = started.output().split('"msg":"config reload').length;
    started.child.kill('SIGHUP');
    await until(() => started.output().split('"msg":"config reload').length > seen, 'the reload log line');
    const line = started
      .output()
      .split('\n')
      .filter((entry) => entry.includes('"msg":"config reload'))
      .at(-1)!;
    return JSON.parse(line) as {
      msg: string;
      sections?: string[];
      changes?: { section: string; added: string[]; removed: string[]; changed: string[] }[];
    };
  };
  const breakerOf = async (model: string) =>
    (
      (await (await call('/api/health')).json()) as {
        models: Record<string, { breaker: { state: string } }>;
      }
    ).models[model].breaker.state;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'pyramid-reload-sections-'));
    [local, cloudA, cloudB] = await Promise.all([
      startFakeModelServer({ api: 'ollama' }),
      startFakeModelServer({ api: 'openai-completions' }),
      startFakeModelServer({ api: 'openai-completions' }),
    ]);
    file = join(home, 'pyramid.yaml');
    await writeFile(file, yaml(cloudA));
    started = await startPyramid({
      PYRAMID_HOME: home,
      ADMIN_TOKEN: adminToken,
      CLIENT_TOKEN: clientToken,
      LATE_TOKEN: lateToken,
      CLOUD_KEY: 'sk-cloud',
    });
  });
  after(async () => {
    started.child.kill('SIGTERM');
    await started.exited;
    await Promise.all([local.close(), cloudA.close(), cloudB.close()]);
    await rm(home, { recursive: true, force: true });
  });

  test('a request in flight finishes on the provider it started with; the next one uses the reloaded provider, task and alias', async () => {
    const gate = Promise.withResolvers<void>();
    cloudA.setResponder((request) =>
      isChat(request) ? { text: 'old provider', release: gate.promise } : undefined,
    );
    cloudB.setDefault({ text: 'new provider' });
    const inFlight = chat('task:summarize');
    await until(() => cloudA.requests.some(isChat), 'the first request to reach the old provider');

    await writeFile(
      file,
      yaml(cloudB, { more: 'aliases:\n  writer: task:translate\n' }).replace(
        '  summarize: 1\n',
        '  summarize: 1\n  translate: 1\n',
      ),
    );
    const reloaded = await hangUp();
    assert.equal(reloaded.msg, 'config reloaded');
    assert.deepEqual(reloaded.sections, ['providers', 'tasks', 'aliases']);
    assert.deepEqual(reloaded.changes?.[0], {
      section: 'providers',
      added: [],
      removed: [],
      changed: ['cloud'],
    });
    assert.deepEqual(reloaded.changes?.[1], {
      section: 'tasks',
      added: ['translate'],
      removed: [],
      changed: [],
    });

    const next = await chat('writer');
    assert.equal(next.status, 200);
    const answer = (await next.json()) as { choices: { message: { content: string } }[] };
    assert.equal(answer.choices[0].message.content, 'new provider');
    assert.equal(next.headers.get('x-pyramid-tier'), '1', 'the alias names the new task (tier 1)');
    const listed = (await (await chat('x').then(() => call('/v1/models'))).json()) as {
      data: { id: string }[];
    };
    assert.ok(listed.data.some((model) => model.id === 'task:translate'));

    gate.resolve();
    const first = await inFlight;
    assert.equal(first.status, 200, 'the request in flight during the reload was not dropped');
    const old = (await first.json()) as { choices: { message: { content: string } }[] };
    assert.equal(old.choices[0].message.content, 'old provider');
    cloudA.setResponder(undefined);
  });

  test('breakers of models whose definition did not change survive a reload; a changed model gets a fresh one', async () => {
    local.setResponder((request) => (isChat(request) ? { error: 'server' } : undefined));
    cloudB.setResponder((request) => (isChat(request) ? { error: 'server' } : undefined));
    assert.equal((await chat('task:classify')).status, 502);
    assert.equal(await breakerOf('local-model'), 'open');
    assert.equal(await breakerOf('cloud-model'), 'open');

    // Back to provider A: cloud-model changed, local-model did not.
    await writeFile(file, yaml(cloudA));
    assert.equal((await hangUp()).msg, 'config reloaded');
    assert.equal(await breakerOf('local-model'), 'open', 'an unchanged model keeps its breaker');
    assert.equal(await breakerOf('cloud-model'), 'closed', 'a changed model starts with a fresh breaker');
    local.setResponder(undefined);
    cloudB.setResponder(undefined);
  });

  test('channels and alerts added by a reload deliver: a breaker opening is alerted to the new channel', async () => {
    await writeFile(
      file,
      yaml(cloudA, {
        more: 'channels:\n  ops-file: { type: file, path: alerts.jsonl }\nalerts: { targets: [ops-file], settle: 1ms }\n',
      }),
    );
    const reloaded = await hangUp();
    assert.deepEqual(reloaded.sections, ['channels', 'alerts'], JSON.stringify(reloaded));
    cloudA.setResponder((request) => (isChat(request) ? { error: 'server' } : undefined));
    assert.equal((await chat('task:summarize')).status, 502);
    const alerts = await until(
      () => readFile(join(home, 'alerts.jsonl'), 'utf8').catch(() => ''),
      'an alert in the new file channel',
    );
    assert.match(alerts, /cloud-model/);
    cloudA.setResponder(undefined);
  });

  test('budgets apply to the next request', async () => {
    await writeFile(file, yaml(cloudB, { more: 'budgets: { daily: 0.000000001 }\n' }));
    const reloaded = await hangUp();
    assert.ok(reloaded.sections?.includes('budgets'), JSON.stringify(reloaded));
    const refused = await chat('task:summarize');
    assert.equal(refused.status, 429);
    assert.match(await refused.text(), /budget/i);
  });

  test('tokens: added and removed ones apply, then the credentials file, re-read after `pyramid token --rotate`', async () => {
    assert.equal((await chat('task:classify', lateToken)).status, 401);
    await writeFile(
      file,
      yaml(cloudB, {
        tokens: `    tokens:
      - { name: ops, token: "env:ADMIN_TOKEN", scopes: [admin] }
      - { name: late, token: "env:LATE_TOKEN", scopes: [client] }`,
      }),
    );
    const reloaded = await hangUp();
    assert.deepEqual(
      reloaded.changes?.find((change) => change.section === 'tokens'),
      { section: 'tokens', added: ['late'], removed: ['support-bot'], changed: [] },
    );
    assert.doesNotMatch(started.output(), new RegExp(lateToken), 'no token in the log');
    assert.equal((await chat('task:classify', lateToken)).status, 200);
    assert.equal((await chat('task:classify', clientToken)).status, 401);

    // No tokens in the file: the generated admin token in $PYRAMID_HOME/credentials.
    await writeFile(file, yaml(cloudB, { tokens: '    tokens: []' }));
    await hangUp();
    const generated = await runPyramid(['token'], { PYRAMID_HOME: home });
    assert.equal(generated.code, 0, generated.stderr);
    const first = generated.stdout.trim();
    assert.equal((await call('/api/jobs', { token: first })).status, 200);
    assert.equal((await call('/api/jobs')).status, 401, 'the config token is gone');

    const rotated = await runPyramid(['token', '--rotate'], { PYRAMID_HOME: home });
    assert.equal(rotated.code, 0, rotated.stderr);
    const second = rotated.stdout.trim();
    assert.equal((await call('/api/jobs', { token: second })).status, 401, 'not before the reload');
    await hangUp();
    assert.equal((await call('/api/jobs', { token: second })).status, 200);
    assert.equal((await call('/api/jobs', { token: first })).status, 401);
  });
});
