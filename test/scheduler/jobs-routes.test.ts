import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Hono } from 'hono';
import { defineJob } from '../../src/config/define-job.ts';
import { jobsRoutes } from '../../src/scheduler/http/jobs-routes.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/start-fake-model-server.ts';
import { createHarness, testAgent } from './scheduler-harness.ts';

let fake: FakeModelServer;
before(async () => {
  fake = await startFakeModelServer({ api: 'openai-completions' });
});
after(() => fake.close());

test('HTTP: POST /api/jobs validates like the config, run now, GET /api/runs and /api/runs/:id', async () => {
  const harness = await createHarness(fake, { agents: [testAgent('bot')] });
  try {
    const app = new Hono();
    const names = {
      agents: new Set(['bot']),
      mainSessionAgents: new Set<string>(),
      channels: new Map([['log', 'file']]),
    };
    jobsRoutes(app, { scheduler: harness.scheduler, defineJob: (raw) => defineJob(raw, names) });
    const post = (body: unknown) =>
      app.request('/api/jobs', {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const bad = await post({
      id: 'x',
      agent: 'bot',
      schedule: { every: '1h' },
      payload: { kind: 'systemEvent', text: 't' },
      session: 'isolated',
    });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(await bad.json()), /--message/);
    const nowhere = await post({
      id: 'x',
      agent: 'bot',
      schedule: { every: '1h' },
      payload: { kind: 'agentTurn', message: 'go' },
      deliver: [{ channel: 'telegram', to: '42' }],
    });
    assert.equal(nowhere.status, 400);
    const refused = (await nowhere.json()) as {
      error: { code: string; message: string; issues: { path: string; message: string }[] };
    };
    assert.equal(refused.error.code, 'invalid_job');
    assert.deepEqual(refused.error.issues, [
      { path: 'deliver.0.channel', message: 'unknown channel "telegram": configured channels are log' },
    ]);
    assert.match(refused.error.message, /unknown channel "telegram"/);
    const good = await post({
      id: 'x',
      agent: 'bot',
      schedule: { every: '1h' },
      payload: { kind: 'agentTurn', message: 'go' },
    });
    assert.equal(good.status, 201);
    assert.equal(
      (
        await post({
          id: 'x',
          agent: 'bot',
          schedule: { every: '1h' },
          payload: { kind: 'agentTurn', message: 'go' },
        })
      ).status,
      409,
    );
    const listed = (await (await app.request('/api/jobs')).json()) as { jobs: { id: string }[] };
    assert.deepEqual(
      listed.jobs.map((job) => job.id),
      ['x'],
    );
    const started = await app.request('/api/jobs/x/run', { method: 'POST' });
    assert.equal(started.status, 202);
    const { run } = (await started.json()) as { run: { id: string } };
    await harness.settle();
    const one = (await (await app.request(`/api/runs/${run.id}`)).json()) as {
      run: { status: string; trigger: string };
    };
    assert.deepEqual([one.run.status, one.run.trigger], ['ok', 'manual']);
    const all = (await (await app.request('/api/runs?job=x')).json()) as { runs: unknown[] };
    assert.equal(all.runs.length, 1);
    assert.equal((await app.request('/api/runs/nope')).status, 404);
    assert.equal((await app.request('/api/jobs/nope/run', { method: 'POST' })).status, 404);
  } finally {
    await harness.close();
  }
});

test('HTTP: PATCH /api/jobs/:id changes the fields given of an added job, validated whole like pyramid jobs edit', async () => {
  const harness = await createHarness(fake, { agents: [testAgent('bot')] });
  try {
    const app = new Hono();
    const names = { agents: new Set(['bot']), mainSessionAgents: new Set<string>(), channels: new Map() };
    jobsRoutes(app, { scheduler: harness.scheduler, defineJob: (raw) => defineJob(raw, names) });
    const send = (method: string, path: string, body: unknown) =>
      app.request(path, {
        method,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const added = await send('POST', '/api/jobs', {
      id: 'x',
      agent: 'bot',
      schedule: { every: '1h' },
      payload: { kind: 'agentTurn', message: 'go' },
      retries: 2,
    });
    assert.equal(added.status, 201);
    const tooOften = await send('PATCH', '/api/jobs/x', { schedule: { every: '1ms' } });
    assert.equal(tooOften.status, 400);
    const refused = (await tooOften.json()) as { error: { code: string; issues: { path: string }[] } };
    assert.equal(refused.error.code, 'invalid_job');
    assert.deepEqual(
      refused.error.issues.map((issue) => issue.path),
      ['schedule.every'],
    );
    const edited = await send('PATCH', '/api/jobs/x', { schedule: { every: '30m' }, id: 'renamed' });
    assert.equal(edited.status, 200);
    const { job } = (await edited.json()) as {
      job: {
        id: string;
        nextRunAt?: number;
        definition: { schedule: unknown; payload: unknown; retries: number };
      };
    };
    assert.equal(job.id, 'x', 'the id comes from the path');
    assert.deepEqual(job.definition.schedule, { kind: 'every', everyMs: 1_800_000 });
    assert.deepEqual(job.definition.payload, { kind: 'agentTurn', message: 'go' }, 'the other fields stay');
    assert.equal(job.definition.retries, 2);
    assert.ok(job.nextRunAt);
    assert.equal((await send('PATCH', '/api/jobs/nope', { retries: 1 })).status, 404);
    assert.equal((await send('PATCH', '/api/jobs/x', [1])).status, 400);
  } finally {
    await harness.close();
  }
});
